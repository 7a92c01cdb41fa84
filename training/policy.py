"""Re-choose a trained tagger's hybrid policy on dev (after the rules changed, or with more gold).

Usage: python -m training.policy MODEL_DIR [--config CFG] [--gold PATH ...] [--write]

The gold paths and explicit splits come from ``--config`` (else from the config recorded in
the model's ``metrics.json``, else the defaults), so the dev split is the one the model was
selected on. Prints the dev F1 of every (policy, min_score) point of ``train.POLICY_GRID``,
the chosen per-label table, and rules / model / hybrid F1 on dev and test (test is only
reported, never used for a choice). ``--write`` stores the table in ``govie.json`` and the
scores in ``metrics.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from govie.labels import ENTITY_LABELS

from . import model as M
from .config import load_config
from .data import load_gold
from .train import POLICY_GRID, _split, choose_policy, compare, format_comparison


def grid_table(res: dict, grid=POLICY_GRID) -> str:
    lines = ["| policy | " + " | ".join(ENTITY_LABELS) + " | micro |", "|---" * (len(ENTITY_LABELS) + 2) + "|"]
    for name, floor in grid:
        row = res[f"policy:{name}@{floor}"]
        lines.append(f"| {name}@{floor} | " + " | ".join(f"{(row[lab]['f1'] or 0):.3f}" for lab in ENTITY_LABELS)
                     + f" | {(row['micro']['f1'] or 0):.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.policy", description=__doc__.splitlines()[0])
    ap.add_argument("model_dir")
    ap.add_argument("--config", default=None)
    ap.add_argument("--gold", action="append", default=None)
    ap.add_argument("--write", action="store_true", help="store the chosen table in govie.json / metrics.json")
    args = ap.parse_args(argv)
    d = Path(args.model_dir)
    metrics_path = d / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.exists() else {}
    if args.config:
        cfg = load_config(args.config, gold=args.gold)
    else:
        recorded = dict(metrics.get("config") or {})
        cfg = load_config(None, **{k: recorded[k] for k in ("gold", "splits") if recorded.get(k)})
        if args.gold:
            cfg.gold = args.gold

    def log(m):
        print(m, file=sys.stderr, flush=True)

    _train, dev_ex, test_ex = _split(load_gold(cfg.gold, cfg.splits, log=log), log)
    bundle = M.load(d)
    policy, res = choose_policy(bundle, dev_ex, log)
    print("dev F1 of each policy applied to every label:\n")
    print(grid_table(res))
    print("\nchosen: " + ", ".join(f"{lab}={v['policy']}@{v['min_score']}" for lab, v in policy.items()) + "\n")
    test = compare(bundle, test_ex, policy) if test_ex else None
    print(format_comparison(res, "dev"))
    if test:
        print("\n" + format_comparison(test, "test"))
    if args.write:
        cfg_path = d / "govie.json"
        g = json.loads(cfg_path.read_text(encoding="utf-8"))
        g["hybrid_policy"] = policy
        cfg_path.write_text(json.dumps(g, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        metrics["dev"] = res
        if test:
            metrics["test"] = test
        metrics_path.write_text(json.dumps(metrics, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        log(f"wrote the policy to {cfg_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
