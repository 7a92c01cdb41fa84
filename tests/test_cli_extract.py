"""``govie extract``: JSON Lines / table output, encodings, unreadable files and exit codes."""

import json
from pathlib import Path

import pytest

from govie.cli import main

TEXT = "根据《示例县信息公开办法》(示政发〔2020〕9号)，2021年共收到申请12件。"


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "big5"])
def test_jsonl_per_file_in_any_encoding(tmp_path, capsys, encoding):
    text = TEXT if encoding != "big5" else TEXT.replace("县", "縣").replace("开", "開").replace("办", "辦").replace("发", "發").replace("请", "請").replace("号", "號")
    f = tmp_path / "r.txt"
    f.write_bytes(text.encode(encoding))
    code, out, _ = _run(capsys, "extract", str(f), "--mode", "rules")
    assert code == 0
    (line,) = out.splitlines()
    rec = json.loads(line)
    assert rec["text"] == text
    assert {e["label"] for e in rec["entities"]} >= {"TITLE", "DOC_NO", "DATE", "COUNT"}
    assert rec["meta"]["source_path"] == str(f)


def test_table_format_and_example_report(capsys):
    example = Path(__file__).resolve().parents[1] / "examples" / "sample_report.txt"
    code, out, _ = _run(capsys, "extract", str(example), "--format", "table", "--mode", "rules")
    assert code == 0
    for label in ("DOC_NO", "TITLE", "DATE", "COUNT"):
        assert label in out


def test_unreadable_inputs_fail_clearly_but_others_go_on(tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text(TEXT, encoding="utf-8")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    code, out, err = _run(capsys, "extract", str(tmp_path / "missing.txt"), str(binary), str(good), "--mode", "rules")
    assert code == 1
    assert len(out.splitlines()) == 1
    assert "missing.txt" in err and "binary" in err


def test_stdin(monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TEXT.encode("gb18030"))))
    code, out, _ = _run(capsys, "extract", "-", "--mode", "rules")
    assert code == 0 and json.loads(out)["text"] == TEXT


def test_model_mode_without_model_exits_2(tmp_path, capsys):
    code, _, err = _run(capsys, "extract", "-", "--mode", "model", "--model-dir", str(tmp_path))
    assert code == 2 and "model" in err
