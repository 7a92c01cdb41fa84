"""Run Python code in a fresh interpreter where torch and transformers cannot be imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap

#: prepended to the code: an import hook that refuses the modules named in BLOCKED
BLOCK = textwrap.dedent("""
    import sys
    class _Block:
        def find_spec(self, name, path=None, target=None):
            if name.split('.')[0] in BLOCKED:
                raise ModuleNotFoundError('blocked for the test: ' + name)
            return None
    sys.meta_path.insert(0, _Block())
""")


def run_without_torch(code: str, timeout: float = 120, also: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``code`` (dedented) run where torch, transformers and the modules in ``also`` cannot be
    imported; asserts it exits 0 and prints ``ok`` last."""
    blocked = f"BLOCKED = {('torch', 'transformers', *also)!r}\n"
    res = subprocess.run([sys.executable, "-c", blocked + BLOCK + textwrap.dedent(code)], check=False,
                         capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().endswith("ok")
    return res
