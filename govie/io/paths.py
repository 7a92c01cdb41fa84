"""Output paths: a file written by govie gets its missing parent directories made first."""

from __future__ import annotations

import os
from pathlib import Path


def ensure_parent(path: str | os.PathLike | None) -> None:
    """Make the missing parent directories of ``path`` (nothing for None, ``-`` or a bare name)."""
    if path is None or str(path) == "-":
        return
    parent = Path(path).parent
    if str(parent) not in ("", "."):
        parent.mkdir(parents=True, exist_ok=True)
