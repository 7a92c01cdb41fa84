"""``govie train CONFIG [--resume] [--gold PATH ...] [--output-dir DIR]``: fine-tune the span tagger.

The training code lives in the ``training`` package of a source checkout (``pip install -e
'.[train]'``); it is imported only when the command runs, so ``govie`` itself never needs
torch.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("train", help="fine-tune the span tagger on annotated data",
                       description="Fine-tune the span tagger (see training/configs/*.yaml). Gold may be stand-off, "
                                   "interchange JSONL, doccano JSONL or Label Studio JSON files or folders.")
    p.add_argument("config", nargs="?", default=None, help="YAML or JSON training config (defaults without)")
    p.add_argument("--resume", action="store_true", help="continue from OUTPUT_DIR.ckpt")
    p.add_argument("--gold", action="append", default=None, metavar="PATH",
                   help="gold file or folder; repeatable; replaces the config's gold")
    p.add_argument("--output-dir", "-o", default=None, help="where the model directory is written")
    p.add_argument("--base", default=None, help="base checkpoint: a Hugging Face model dir or hub name")
    p.add_argument("--max-epochs", type=int, default=None)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--no-silver", action="store_true", help="train on gold only")
    return p


def missing_requirements() -> list[str]:
    return [m for m in ("torch", "transformers", "tokenizers", "safetensors", "training")
            if importlib.util.find_spec(m) is None]


def run(args) -> int:
    missing = missing_requirements()
    if missing:
        hint = ("run from a source checkout of govie" if "training" in missing
                else "install the training extra: pip install 'govie[train]'")
        print(f"govie train: not available ({', '.join(missing)} missing); {hint}", file=sys.stderr)
        return 2
    from training.train import main

    argv = [args.config] if args.config else []
    if args.resume:
        argv.append("--resume")
    for g in args.gold or ():
        argv += ["--gold", g]
    for flag, value in (("--output-dir", args.output_dir), ("--base", args.base),
                        ("--max-epochs", args.max_epochs), ("--threads", args.threads)):
        if value is not None:
            argv += [flag, str(value)]
    if args.no_silver:
        argv.append("--no-silver")
    try:
        return main(argv)
    except FileNotFoundError as exc:
        print(f"govie train: {exc}", file=sys.stderr)
        return 2
