"""Train a tiny randomly initialised BERT for a few seconds, save, load, extract with it.

Skipped without torch/transformers/tokenizers. The sentences are invented for this test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")
pytest.importorskip("safetensors")

pytestmark = pytest.mark.model

# (text, [(span text, label, occurrence)]) -- invented sentences
SENTENCES = [
    ("本局收到申请12件，全部按期答复。", [("12件", "COUNT"), ("申请", "SUBJECT")]),
    ("我们将于2024年6月底前完成平台改版。", [("2024年6月底前", "DATE"), ("将于2024年6月底前完成平台改版", "COMMITMENT")]),
    ("依据《示范条例》办理来信35件。", [("示范条例", "TITLE"), ("35件", "COUNT"), ("来信", "SUBJECT")]),
    ("印发《工作要点》(示政办〔2023〕7号)。", [("工作要点", "TITLE"), ("示政办〔2023〕7号", "DOC_NO")]),
    ("全年发布通知48条，举办培训3场。", [("48条", "COUNT"), ("通知", "SUBJECT"), ("3场", "COUNT"), ("培训", "SUBJECT")]),
    ("下一步要在2025年底前上线新系统。", [("2025年底前", "DATE"), ("要在2025年底前上线新系统", "COMMITMENT")]),
    ("本年度共受理复议案件6件。", [("6件", "COUNT"), ("复议案件", "SUBJECT")]),
    ("转发《样本办法》(样府发〔2022〕15号)的通知。", [("样本办法", "TITLE"), ("样府发〔2022〕15号", "DOC_NO")]),
]


def _doc(doc_id: str, text: str, spans):
    ents, pos = [], {}
    for n, (needle, label) in enumerate(spans, 1):
        s = text.find(needle, pos.get(needle, 0))
        assert s >= 0, needle
        pos[needle] = s + 1
        ents.append({"id": f"e{n}", "start": s, "end": s + len(needle), "label": label, "text": needle})
    return {"id": doc_id, "text": text, "entities": ents, "relations": [], "meta": {}}


def make_tiny_base(d: Path) -> Path:
    """A 2-layer x 32-hidden BERT with a character-level tokenizer, saved as an HF checkpoint."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    chars = sorted({c for text, _ in SENTENCES for c in text} | set("0123456789年月日前件条号"))
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for c in chars:
        vocab.setdefault(c, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", cls_token="<s>", eos_token="</s>",
                                   sep_token="</s>", pad_token="<pad>", unk_token="<unk>")
    fast.save_pretrained(str(d))
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=128, pad_token_id=1)
    BertModel(cfg, add_pooling_layer=False).save_pretrained(str(d))
    return d


def train_tiny(base: Path, work: Path, log=None, resume: bool = False, **over) -> Path:
    from training.config import load_config
    from training.train import train

    gold = work / "gold.jsonl"
    with open(gold, "w", encoding="utf-8") as fh:
        docs = [_doc(f"t{i}", text, spans) for i, (text, spans) in enumerate(SENTENCES)]
        docs += [_doc(f"d{i}", text, spans) for i, (text, spans) in enumerate(SENTENCES[:3])]  # dev: copies
        fh.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    ids = [f"t{i}" for i in range(len(SENTENCES))]
    cfg = load_config(None, base=str(base), num_hidden_layers=0, gold=[str(gold)],
                      output_dir=str(work / "model"), max_epochs=30, min_epochs=30, patience=100,
                      lr=3e-3, head_lr=1e-2, batch_size=8, window=16, stride=12, seed=1, threads=1,
                      splits={"train": ids, "dev": ["d0", "d1", "d2"], "test": []}, prune_vocab=False,
                      choose_policy=True, eval_test=False, storage="fp16", freeze_embeddings=False)
    for k, v in over.items():
        setattr(cfg, k, v)
    cfg.silver.max_sentences = 0
    metrics = train(cfg, resume=resume, log=log or (lambda m: None))
    assert metrics["best_epoch"] is not None
    return work / "model"


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory) -> Path:
    return make_tiny_base(tmp_path_factory.mktemp("tiny_base"))


@pytest.fixture(scope="module")
def trained(tiny_base, tmp_path_factory) -> Path:
    return train_tiny(tiny_base, tmp_path_factory.mktemp("tiny_run"))


def test_model_dir_files(trained):
    for name in ("config.json", "tokenizer.json", "govie.json", "model.safetensors", "metrics.json"):
        assert (trained / name).exists(), name
    cfg = json.loads((trained / "govie.json").read_text(encoding="utf-8"))
    assert cfg["layers"]["a"]["labels"] == ["DOC_NO", "TITLE", "DATE", "COUNT", "SUBJECT"]
    assert cfg["layers"]["b"]["labels"] == ["COMMITMENT"]
    assert set(cfg["hybrid_policy"]) >= {"DOC_NO", "SUBJECT"}


def test_tagger_learns_training_sentences(trained):
    from govie.model.tagger import Tagger

    tagger = Tagger.load(trained)
    texts = [t for t, _ in SENTENCES]
    preds = tagger.predict(texts)
    hits = total = 0
    for text, spans, pred in zip(texts, [s for _, s in SENTENCES], preds):
        for s, e, label, score in pred:
            assert 0 <= s < e <= len(text) and 0.0 <= score <= 1.0
        got = {(text[s:e], lab) for s, e, lab, _ in pred}
        total += len(spans)
        hits += sum(1 for sp in spans if sp in got)
    assert hits / total >= 0.6, (hits, total, preds)


@pytest.mark.parametrize("quantize", [False, True])
def test_load_options(trained, quantize):
    from govie.model.tagger import Tagger

    tagger = Tagger.load(trained, quantize=quantize)
    assert tagger.quantized is quantize
    out = tagger.predict(["", "收到申请5件。", "本局" * 40])  # empty, short, several windows
    assert out[0] == [] and len(out) == 3
    with pytest.raises(TypeError):
        tagger.predict("not a list")


@pytest.mark.parametrize("mode", ["model", "hybrid"])
def test_extract_with_model_dir(trained, mode):
    import govie

    text = "本局收到申请12件。我们将于2024年6月底前完成平台改版。"
    doc = govie.extract(text, mode=mode, model_dir=str(trained))
    assert doc.meta["engine"] in ("model", "model+rules")
    for e in doc.entities:
        assert doc.text[e.start:e.end] == e.text
    if mode == "model":
        assert all(e.source == "model" for e in doc.entities)
        assert doc.entities, "the tiny model should find something in a training sentence"


def test_resume_continues(trained, tiny_base):
    """--resume reads OUTPUT_DIR.ckpt and goes on from the saved epoch."""
    state_file = Path(str(trained) + ".ckpt") / "state.json"
    before = json.loads(state_file.read_text(encoding="utf-8"))
    assert before["epoch"] == 30 and len(before["history"]) == 30
    lines = []
    train_tiny(tiny_base, trained.parent, log=lines.append, resume=True, max_epochs=32, min_epochs=32)
    after = json.loads(state_file.read_text(encoding="utf-8"))
    assert after["epoch"] == 32 and len(after["history"]) == 32
    assert any(line.startswith("resume: from epoch 30") for line in lines)


def test_partial_nll_span_weight_counts_span_tokens_more():
    torch = pytest.importorskip("torch")
    from training.encode import partial_nll

    logits = torch.tensor([[[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])  # token 0 leans O, token 1 flat
    allowed = torch.tensor([[[False, True, False], [True, False, False]]])  # B-X then O
    w = torch.ones(1)
    plain = partial_nll(logits, allowed, w)
    heavy = partial_nll(logits, allowed, w, pos_weight=5.0)
    nll_span = torch.logsumexp(logits[0, 0], -1) - logits[0, 0, 1]
    nll_o = torch.logsumexp(logits[0, 1], -1) - logits[0, 1, 0]
    assert float(plain) == pytest.approx(float((nll_span + nll_o) / 2))
    assert float(heavy) == pytest.approx(float((5 * nll_span + nll_o) / 6))
