"""The runtime library imports and extracts without the model extra (rules only, said in meta)."""

from without_torch import run_without_torch

CODE = """
    import govie
    doc = govie.extract('依据国务院令第711号，收到申请12件。')
    assert doc.meta['engine'] == 'rules', doc.meta
    assert [e.label for e in doc.entities] == ['DOC_NO', 'COUNT'] or 'DOC_NO' in [e.label for e in doc.entities]
    assert 'torch' not in sys.modules
    print('ok')
"""


def test_import_and_extract_without_the_model_extra():
    # without torch the shipped model still runs in onnxruntime (test_api): block that too
    run_without_torch(CODE, also=("onnxruntime",))


def test_info_says_why_auto_runs_rules_without_the_model_extra():
    run_without_torch("""
        import io, json, contextlib
        from govie.cli import main
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(["info", "--json"]) == 0
        f = json.loads(buf.getvalue())
        assert f["auto_engine"] == "rules" and not f["model_usable"]
        assert "not installed" in f["why_not"] and f["installed"]["torch"] is False
        assert 'torch' not in sys.modules
        print('ok')
    """, also=("onnxruntime",))
