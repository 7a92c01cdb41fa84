"""The ``govie`` command line: one module per subcommand, each with ``add_parser`` and ``run``."""

from __future__ import annotations

import argparse
import importlib
import sys

#: subcommand -> module implementing ``add_parser(subparsers)`` and ``run(args) -> int``
COMMANDS: dict[str, str] = {
    "extract": "govie.cli.extract",
    "evaluate": "govie.cli.evaluate",
    "annotate": "govie.cli.annotate",
    "batch": "govie.cli.batch",
    "train": "govie.cli.train",
    "info": "govie.cli.info",
}


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(prog="govie", description="Facts from Chinese government documents.")
    parser.add_argument("--version", action="version", version=f"govie {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, modname in COMMANDS.items():
        try:
            mod = importlib.import_module(modname)
        except ImportError:
            continue  # command not available in this build
        p = mod.add_parser(sub)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("govie: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
