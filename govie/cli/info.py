"""``govie info [--model-dir DIR] [--json]``: which engine ``extract`` would use, and why.

Says where the model directory was looked for and found, whether the model extra is
usable (and if not, what is missing), which backend would run it (onnxruntime or torch),
and what the measured policies take from the model, so ``auto`` is either ``rules`` or
``model+rules``. Loads nothing heavy: no model, no torch.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("info", help="which engine extraction would use, and why",
                       description="Where the model is, whether it can run, with which backend, and what "
                                   "auto mode takes from it. Loads no model.")
    p.add_argument("--model-dir", default=None, help="a model directory (default: the shipped model)")
    p.add_argument("--json", action="store_true", help="print the facts as JSON")
    return p


def facts(model_dir: str | None = None) -> dict:
    """What ``govie info`` prints, as a dict."""
    from .. import __version__
    from .. import model as model_pkg
    from ..hybrid import policy_table, uses_model

    d = Path(model_dir) if model_dir else model_pkg.default_model_dir()
    reason = model_pkg.unavailable_reason(d)
    backend = None
    if reason is None:
        from ..model.tagger import choose_backend

        try:
            backend = choose_backend(d)
        except ValueError as exc:  # a bad $GOVIE_TAGGER_BACKEND
            backend = f"none ({exc})"
    hybrid = model_pkg.hybrid_policy(d)
    relations = model_pkg.relation_policy(d)
    auto_model = reason is None and model_pkg.worth_loading(d, "auto")
    return {
        "version": __version__,
        "model_dir": str(d),
        "looked_in": [str(x) for x in model_pkg.model_dirs()] if not model_dir else [str(d)],
        "model_usable": reason is None,
        "why_not": reason,
        "backend": backend,
        "installed": {m: model_pkg.installed(m)
                      for m in ("onnxruntime", "tokenizers", "safetensors", "numpy", "torch", "transformers")},
        "entity_policy": {lab: f"{row['policy']}@{row['min_score']}" for lab, row in policy_table(hybrid).items()},
        "entity_policy_uses_model": uses_model(hybrid),
        "relation_policy": relations,
        "auto_engine": "model+rules" if auto_model else "rules",
    }


def run(args) -> int:
    f = facts(args.model_dir)
    if args.json:
        print(json.dumps(f, ensure_ascii=False, indent=1))
        return 0
    out = sys.stdout
    print(f"govie {f['version']}", file=out)
    print(f"model directory: {f['model_dir']}", file=out)
    if len(f["looked_in"]) > 1:
        print("  looked in: " + "; ".join(f["looked_in"]), file=out)
    if f["model_usable"]:
        print(f"model: usable, backend {f['backend']}", file=out)
    else:
        print(f"model: not usable: {f['why_not']}", file=out)
    print("installed: " + ", ".join(f"{m} {'yes' if ok else 'no'}" for m, ok in f["installed"].items()), file=out)
    print("entity policy: " + ", ".join(f"{lab}={p}" for lab, p in f["entity_policy"].items()), file=out)
    if f["relation_policy"]:
        print("relation policy: " + ", ".join(f"{lab}={p}" for lab, p in f["relation_policy"].items()), file=out)
    print(f"mode=auto runs: {f['auto_engine']}", file=out)
    return 0
