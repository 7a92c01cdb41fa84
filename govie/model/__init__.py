"""Optional model layer. Importing this module imports nothing heavy (no torch).

The model runs in onnxruntime when its directory has a ``model.onnx`` (numpy, tokenizers,
safetensors and onnxruntime: no torch), else in torch. The pipeline calls available(),
unavailable_reason(), worth_loading() and load_tagger().
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

WEIGHTS = "model.safetensors"
ONNX = "model.onnx"  # onnx_backend.ONNX (that module imports tagger.py; this one stays bare)


#: the shipped model's directory name (models/ in the repository, share/govie/models/ installed)
SHIPPED = "govie-zh-small"


def model_dirs() -> list[Path]:
    """Where the shipped model is looked for, in order: ``$GOVIE_MODEL_DIR``, models/ beside
    the package (a source checkout or editable install), then ``share/govie/models/`` under
    the installation prefixes (a wheel install puts it there)."""
    import os
    import site
    import sys

    out = [Path(os.environ["GOVIE_MODEL_DIR"])] if os.environ.get("GOVIE_MODEL_DIR") else []
    out.append(Path(__file__).resolve().parents[2] / "models" / SHIPPED)
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix, getattr(site, "USER_BASE", None) or "")):
        if prefix:
            out.append(Path(prefix) / "share" / "govie" / "models" / SHIPPED)
    return out


def default_model_dir() -> Path:
    """The shipped model: the first of ``model_dirs()`` that holds weights (else the first)."""
    dirs = model_dirs()
    return next((d for d in dirs if (d / WEIGHTS).exists()), dirs[0])


def _dir(model_dir) -> Path:
    return Path(model_dir) if model_dir else default_model_dir()


def unavailable_reason(model_dir=None) -> str | None:
    """Why the model cannot be used, or None when it can."""
    for mod in ("numpy", "tokenizers", "safetensors"):
        if not installed(mod):
            return f"{mod} is not installed; install the model extra: pip install 'govie[model]'"
    d = _dir(model_dir)
    if not (d / WEIGHTS).exists():
        return f"no model weights at {d / WEIGHTS}"
    for name in ("govie.json", "config.json", "tokenizer.json"):
        if not (d / name).exists():
            return f"{d} is not a govie model directory: {name} is missing"
    if (d / ONNX).exists() and installed("onnxruntime"):
        return None  # the onnxruntime backend: no torch needed
    for mod in ("torch", "transformers"):
        if not installed(mod):
            why = ("onnxruntime is not installed" if (d / ONNX).exists()
                   else f"{d} has no {ONNX} (python -m training.export_onnx makes one)")
            return (f"{why}, and the torch backend needs {mod}, which is not installed; "
                    "install the model extra: pip install 'govie[model]'")
    return None


def installed(mod: str) -> bool:
    """Whether ``mod`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(mod) is not None
    except (ImportError, ValueError):  # a broken or blocked install counts as absent
        return False


def available(model_dir=None) -> bool:
    return unavailable_reason(model_dir) is None


def hybrid_policy(model_dir=None) -> dict | None:
    """The per-label hybrid policy stored in the model directory's govie.json (no torch needed)."""
    import json

    path = _dir(model_dir) / "govie.json"
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh).get("hybrid_policy")
    except (OSError, ValueError):
        return None


def relation_policy(model_dir=None) -> dict | None:
    """The relation head's policy (relations.json), or None when the directory has none."""
    from . import relations

    d = _dir(model_dir)
    if not relations.has_relations(d):
        return None
    try:
        return relations.read_config(d).get("policy")
    except (OSError, ValueError):
        return None


def worth_loading(model_dir=None, mode: str = "auto") -> bool:
    """False when ``mode`` is "auto" and neither the model's measured hybrid policy nor
    its relation head's policy takes anything from the model (every label "rules"): auto
    extraction is then rules only and skips loading torch. "model" and "hybrid" always
    load it."""
    if mode != "auto":
        return True
    from ..hybrid import uses_model
    from .relations import uses_model as relations_use_model

    return uses_model(hybrid_policy(model_dir)) or relations_use_model(relation_policy(model_dir))


def load_tagger(model_dir=None):
    from .tagger import Tagger

    return Tagger.load(_dir(model_dir))
