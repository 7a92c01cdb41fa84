"""The runtime library imports and extracts without torch (rules only, said in meta)."""

import subprocess
import sys
import textwrap

CODE = textwrap.dedent("""
    import sys
    class _Block:
        def find_spec(self, name, path=None, target=None):
            if name.split('.')[0] in ('torch', 'transformers'):
                raise ModuleNotFoundError('blocked for the test: ' + name)
            return None
    sys.meta_path.insert(0, _Block())
    import govie
    doc = govie.extract('依据国务院令第711号，收到申请12件。')
    assert doc.meta['engine'] == 'rules', doc.meta
    assert [e.label for e in doc.entities] == ['DOC_NO', 'COUNT'] or 'DOC_NO' in [e.label for e in doc.entities]
    assert 'torch' not in sys.modules
    print('ok')
""")


def test_import_and_extract_without_torch():
    res = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().endswith("ok")
