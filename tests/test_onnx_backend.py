"""The onnxruntime backend of the tagger gives the spans of the torch backend.

A tiny randomly initialised tagger directory is written in the test (no training), exported
with training.export_onnx, and run both ways. Skipped without torch/transformers/tokenizers/
safetensors/onnxruntime/onnx. The sentences are invented for this test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from without_torch import run_without_torch

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")
pytest.importorskip("safetensors")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

pytestmark = pytest.mark.model

TEXTS = [
    "本局收到申请12件，全部按期答复。",
    "我们将于2024年6月底前完成平台改版。",
    "依据《示范条例》办理来信35件，印发《工作要点》(示政办〔2023〕7号)。",
    "全年发布通知48条，举办培训3场。" * 9,  # longer than one window: windows overlap
    "",
    "下一步要在2025年底前上线新系统。",
]
TAGS_A = ["O", "B-DOC_NO", "I-DOC_NO", "B-TITLE", "I-TITLE", "B-DATE", "I-DATE", "B-COUNT", "I-COUNT",
          "B-SUBJECT", "I-SUBJECT"]
TAGS_B = ["O", "B-COMMITMENT", "I-COMMITMENT"]


def make_model_dir(d: Path, storage: str = "fp32") -> Path:
    """config.json, tokenizer.json, govie.json and model.safetensors (``storage``) of a
    randomly initialised 2-layer x 32 tagger."""
    from safetensors.torch import save_file
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers
    from transformers import BertConfig

    from govie.model.tagger import FORMAT, build_net, pack_state

    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for c in sorted({c for t in TEXTS for c in t}):
        vocab.setdefault(c, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.save(str(d / "tokenizer.json"))
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, pad_token_id=1)
    config.save_pretrained(str(d))
    cfg = {"format": FORMAT, "layers": {"a": {"labels": ["DOC_NO", "TITLE", "DATE", "COUNT", "SUBJECT"], "tags": TAGS_A},
                                        "b": {"labels": ["COMMITMENT"], "tags": TAGS_B}},
           "window": 24, "stride": 16, "merge": "average", "cls_id": 0, "sep_id": 2, "pad_id": 1,
           "max_batch_tokens": 64, "storage": storage}
    (d / "govie.json").write_text(json.dumps(cfg), encoding="utf-8")
    torch.manual_seed(0)
    net = build_net(config, cfg)
    with torch.no_grad():  # decisive heads, so spans do not hinge on float rounding
        for head in (net.head_a, net.head_b):
            head.weight.normal_(0.0, 2.0)
            head.bias.normal_(0.0, 0.5)
    save_file(pack_state(net.state_dict(), storage), str(d / "model.safetensors"))
    return d


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return make_model_dir(tmp_path_factory.mktemp("onnx_tagger"))


@pytest.fixture(scope="module")
def exported(model_dir) -> dict:
    from training.export_onnx import export

    return export(model_dir)


def _same(a, b, tol=1e-4):
    assert [(s, e, lab) for s, e, lab, _ in a] == [(s, e, lab) for s, e, lab, _ in b]
    for x, y in zip(a, b):
        assert abs(x[3] - y[3]) <= tol


def test_export_writes_model_onnx(model_dir, exported):
    assert (model_dir / "model.onnx").exists()
    assert exported["max_abs_diff"] < 1e-4
    assert exported["int8"] is False
    assert exported["linked"] is True  # weights read from model.safetensors, not copied
    import onnx

    g = onnx.load(str(model_dir / "model.onnx"), load_external_data=False).graph
    big = [t for t in g.initializer if len(t.dims) == 2 and t.dims[0] * t.dims[1] >= 64]
    assert big and all(t.data_location == onnx.TensorProto.EXTERNAL for t in big)
    assert {e.value for t in big for e in t.external_data if e.key == "location"} == {"model.safetensors"}


@pytest.mark.parametrize("storage,link", [("fp16", True), ("int8", True), ("fp16", False)])
def test_storages_linked_or_embedded(tmp_path, storage, link):
    from govie.model.tagger import Tagger
    from training.export_onnx import export

    d = make_model_dir(tmp_path, storage)
    info = export(d, link=link)
    assert info["linked"] is link and info["max_abs_diff"] < 1e-4
    a = Tagger.load(d, backend="torch").predict(TEXTS)
    b = Tagger.load(d, backend="onnx").predict(TEXTS)
    for x, y in zip(a, b):
        _same(x, y)


def test_link_needs_the_weights_beside(model_dir, tmp_path):
    from training.export_onnx import export

    with pytest.raises(ValueError):
        export(model_dir, tmp_path / "elsewhere.onnx", link=True)
    info = export(model_dir, tmp_path / "elsewhere.onnx")  # default: embedded there
    assert info["linked"] is False and info["max_abs_diff"] < 1e-4


def test_backend_module_runs_without_torch(model_dir, exported):
    run_without_torch(f"""
        import numpy as np
        from govie.model.onnx_backend import OnnxNet, run_windows
        net = OnnxNet({str(model_dir / "model.onnx")!r}, threads=1)
        out = run_windows(net, [(0, 0, [0, 5, 6, 7, 2]), (0, 3, [0, 8, 2])], pad_id=1, max_batch_tokens=64)
        assert len(out) == 2 and len(out[0][0]) == 3 and len(out[1][1]) == 1
        assert abs(sum(out[0][0][0]) - 1.0) < 1e-4
        assert 'torch' not in sys.modules
        print('ok')
    """)


def test_auto_backend_picks_onnx_and_matches_torch(model_dir, exported):
    from govie.model.tagger import Tagger

    t_torch = Tagger.load(model_dir, backend="torch")
    t_onnx = Tagger.load(model_dir)  # auto: model.onnx is there
    assert t_torch.backend == "torch" and t_onnx.backend == "onnx"
    assert not t_onnx.quantized
    p_torch = t_torch.predict(TEXTS)
    p_onnx = t_onnx.predict(TEXTS)
    assert sum(map(len, p_torch)) > 0  # the comparison is not vacuous
    assert p_onnx[4] == []
    for a, b in zip(p_torch, p_onnx):
        _same(a, b)
    for (oa, pa_t, pb_t), (ob, pa_o, pb_o) in zip(t_torch.token_probs(TEXTS), t_onnx.token_probs(TEXTS)):
        assert oa == ob
        for r1, r2 in zip(pa_t + pb_t, pa_o + pb_o):
            assert max(abs(x - y) for x, y in zip(r1, r2)) < 1e-4


def test_backend_choice(model_dir, exported, monkeypatch, tmp_path):
    from govie.model import onnx_backend
    from govie.model.tagger import Tagger

    assert Tagger.load(model_dir, quantize=True).backend == "torch"  # torch int8 asked for
    monkeypatch.setenv("GOVIE_TAGGER_BACKEND", "torch")
    assert Tagger.load(model_dir).backend == "torch"
    monkeypatch.setenv("GOVIE_TAGGER_BACKEND", "onnx")
    assert Tagger.load(model_dir).backend == "onnx"
    monkeypatch.delenv("GOVIE_TAGGER_BACKEND")
    with pytest.raises(ValueError):
        Tagger.load(model_dir, backend="tensorflow")
    monkeypatch.setattr(onnx_backend, "onnxruntime_available", lambda: False)
    assert Tagger.load(model_dir).backend == "torch"  # no onnxruntime: torch as before
    with pytest.raises(ImportError):
        Tagger.load(model_dir, backend="onnx")


def test_no_onnx_file_means_torch(tmp_path):
    from govie.model.tagger import Tagger

    d = make_model_dir(tmp_path)
    assert Tagger.load(d).backend == "torch"
    with pytest.raises(FileNotFoundError):
        Tagger.load(d, backend="onnx")


def test_onnx_tagger_encoder_for_relations(model_dir, exported):
    from govie.model.tagger import Tagger

    t = Tagger.load(model_dir, backend="onnx")
    ref = Tagger.load(model_dir, backend="torch")
    assert t.net.has_hidden
    ids = torch.tensor([[0, 5, 6, 7, 2], [0, 8, 2, 1, 1]])
    att = (ids != 1).long()
    h = t.net.encoder(input_ids=ids, attention_mask=att).last_hidden_state  # the session's hidden output
    with torch.inference_mode():
        h_ref = ref.net.encoder(input_ids=ids, attention_mask=att).last_hidden_state
    assert tuple(h.shape) == (2, 5, 32)
    assert float((h - h_ref)[att.bool()].abs().max()) < 1e-4
    t.net.has_hidden, t.net._encoder = False, None  # a file without that output: the torch encoder
    with torch.inference_mode():
        h2 = t.net.encoder(input_ids=ids, attention_mask=att).last_hidden_state
    assert float((h2 - h_ref)[att.bool()].abs().max()) < 1e-5


def test_int8_export_runs(model_dir, tmp_path):
    from govie.model.onnx_backend import OnnxNet
    from training.export_onnx import export

    out = tmp_path / "int8.onnx"
    info = export(model_dir, out, int8=True, per_channel=True)
    assert out.exists() and info["int8"]
    assert OnnxNet(out).quantized


def test_stale_model_onnx_is_not_used(tmp_path):
    """A retrained model.safetensors: a linked file still fits when the layout is the same,
    an embedded one does not; another layout (storage) makes a linked one unfit too."""
    from safetensors.torch import load_file, save_file

    from govie.model.tagger import Tagger
    from training.export_onnx import export

    (tmp_path / "linked").mkdir()
    (tmp_path / "embedded").mkdir()
    d = make_model_dir(tmp_path / "linked", "fp16")
    export(d)
    e = make_model_dir(tmp_path / "embedded", "fp16")
    export(e, link=False)
    for m in (d, e):  # "retrain": same tensors, other values
        state = load_file(str(m / "model.safetensors"))
        save_file({k: (v * 1.5 if v.is_floating_point() else v) for k, v in state.items()}, str(m / "model.safetensors"))
    t = Tagger.load(d)
    assert t.backend == "onnx"
    _same_all(Tagger.load(d, backend="torch").predict(TEXTS), t.predict(TEXTS))
    with pytest.warns(UserWarning, match="re-export"):
        assert Tagger.load(e).backend == "torch"
    with pytest.raises(ValueError, match="re-export"):
        Tagger.load(e, backend="onnx")
    state = load_file(str(d / "model.safetensors"))  # another storage: another layout
    save_file({k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}, str(d / "model.safetensors"))
    with pytest.warns(UserWarning, match="re-export"):
        assert Tagger.load(d).backend == "torch"


def _same_all(a, b):
    for x, y in zip(a, b):
        _same(x, y)


def test_onnx_tagger_keeps_the_states_torch_computes(model_dir, exported):
    """With keep_states on, the onnx tagger's pass yields the encoder states (for the relation
    model) that the torch encoder gives; probabilities are unchanged by it."""
    from govie.model import relations as R
    from govie.model.tagger import Tagger

    t_torch = Tagger.load(model_dir, backend="torch")
    t_onnx = Tagger.load(model_dir, backend="onnx")
    plain = t_onnx.predict(TEXTS)
    t_onnx.keep_states = True
    _same_all(plain, t_onnx.predict(TEXTS))
    ref = R.token_states(t_torch, TEXTS)
    for text, (offs, st) in zip(TEXTS, ref):
        kept = t_onnx.kept_states(text)
        if not text:
            continue
        assert kept is not None and kept[0] == offs
        assert float(abs(kept[1].astype("float32") - st).max()) < 1e-2
