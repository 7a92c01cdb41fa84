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
