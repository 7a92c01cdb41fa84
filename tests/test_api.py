"""Public API: input validation, empty text, views, batches, linear time on big and adversarial inputs."""

import json
import time

import pytest

import govie
from govie.errors import InvalidInput
from govie.types import check_document


@pytest.mark.parametrize("bad", [None, b"\xe4\xb8\xad", 12, ["text"], {"text": "x"}])
def test_non_text_raises_type_error(bad):
    with pytest.raises(TypeError, match="needs a str"):
        govie.extract(bad)
    assert issubclass(InvalidInput, TypeError)


def test_bytes_error_says_how_to_fix():
    with pytest.raises(TypeError, match="decode"):
        govie.extract(b"abc")


def test_empty_text_gives_empty_document():
    doc = govie.extract("")
    assert doc.entities == () and doc.relations == () and doc.text == ""
    assert doc.meta["engine"] in ("rules", "model+rules")


def test_rules_mode_is_said_in_meta():
    assert govie.extract("共收到申请12件。", mode="rules").meta["engine"] == "rules"


def test_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        govie.extract("x", mode="fast")


def test_views_and_batch_order():
    texts = ["示政发〔2020〕9号", "2021年5月", "收到申请3件", ""]
    docs = govie.extract_batch(texts, batch_size=2, mode="rules")
    assert [d.text for d in docs] == texts
    assert [len(d.doc_numbers) for d in docs] == [1, 0, 0, 0]
    assert [len(d.dates) for d in docs] == [0, 1, 0, 0]
    assert [len(d.counts) for d in docs] == [0, 0, 1, 0]


def test_extractor_reuse_and_reference_year():
    ex = govie.Extractor(mode="rules", reference_year=2018)
    doc = ex("7月20日前完成")
    assert doc.dates[0].value.start == "2018-07-20"
    assert doc.meta["reference_year"] == 2018


SENTENCE = "根据《示例县信息公开办法》(示政发〔2020〕9号)，2021年6月30日前共收到申请12件，办结率100%。\n"


def _seconds(text: str) -> float:
    t0 = time.perf_counter()
    doc = govie.extract(text, mode="rules")
    dt = time.perf_counter() - t0
    check_document(doc)
    return dt


def test_large_input_is_linear():
    """1 MB of report-like text: no blow-up (time per character within 3x of a 100 KB run)."""
    small = SENTENCE * (100_000 // len(SENTENCE))
    big = SENTENCE * (1_000_000 // len(SENTENCE))
    t_small, t_big = _seconds(small), _seconds(big)
    assert t_big / len(big) < 3 * t_small / len(small) + 1e-6


@pytest.mark.parametrize("unit", ["《", "〔2020〕", "9", "号", "年", "第", "万", "(", "一是", "2020年", "《示例》"])
def test_adversarial_repetitions_finish_fast(unit):
    text = unit * (100_000 // len(unit))
    assert _seconds(text) < 20


def test_shipped_model_is_used_by_auto_when_installed_and_fits_the_size_budget():
    from govie import model as model_pkg

    d = model_pkg.default_model_dir()
    assert sum(f.stat().st_size for f in d.iterdir() if f.is_file()) <= 30 * 1024 * 1024
    if not model_pkg.available():
        pytest.skip(model_pkg.unavailable_reason() or "model extra not installed")
    # its measured policy uses the model (the relation head for doc_title), so auto loads it
    assert model_pkg.worth_loading(d, "auto") is True
    doc = govie.extract("依据《某市政务公开办法》(某政发〔2031〕7号),本年度共收到申请5件。")
    assert doc.meta["engine"] == "model+rules"
    assert {(r.label) for r in doc.relations} >= {"doc_title", "count_of"}


def test_shipped_model_runs_without_torch():
    """onnxruntime + numpy + tokenizers + safetensors are enough for hybrid extraction with the
    shipped model (tagger and relation head); torch is never imported."""
    from govie import model as model_pkg

    pytest.importorskip("onnxruntime")
    pytest.importorskip("tokenizers")
    if not (model_pkg.default_model_dir() / "model.onnx").exists():
        pytest.skip("the shipped model has no model.onnx")
    from without_torch import run_without_torch

    run_without_torch("""
        import govie
        from govie import model as model_pkg
        assert model_pkg.unavailable_reason() is None, model_pkg.unavailable_reason()
        text = "依据《某市政务公开办法》(某政发〔2031〕7号),本年度共收到申请5件。"
        doc = govie.extract(text, mode="hybrid")
        assert doc.meta["engine"] == "model+rules", doc.meta
        assert {r.label for r in doc.relations} >= {"doc_title", "count_of"}
        assert govie.extract(text, mode="model").entities
        assert 'torch' not in sys.modules and 'transformers' not in sys.modules
        print('ok')
    """, timeout=300)


def test_info_reports_the_shipped_model_and_auto_engine(capsys):
    from govie import model as model_pkg
    from govie.cli import main

    assert main(["info", "--json"]) == 0
    f = json.loads(capsys.readouterr().out)
    assert f["model_dir"] == str(model_pkg.default_model_dir())
    assert f["model_usable"] == model_pkg.available()
    if f["model_usable"]:
        assert f["backend"] in ("onnx", "torch") and f["auto_engine"] == "model+rules"
        assert f["relation_policy"]["doc_title"] == "model"
    assert main(["info"]) == 0 and "mode=auto runs:" in capsys.readouterr().out
