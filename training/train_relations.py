"""Train the relation head on the frozen tagger encoder: ``python -m training.train_relations --model-dir DIR``.

1. Gold documents and their split (training/data.py, the split rule of govie/splits.py).
2. The tagger's encoder (``Tagger.load(model_dir)``, frozen) encodes every train and dev
   document once (token states cached in memory, optionally on disk with ``--cache``).
3. Candidate pairs (govie.model.relations.candidates) of the train documents with their
   GOLD entities are the training set (``--train-on gold+rules`` adds the candidate pairs
   among the entities ``extract(mode="rules")`` finds, labelled by matching them to gold
   under the scorer's span rules); a small MLP head learns one logit per relation label
   (BCE, Adam, 1 torch thread by default).
4. On dev, for each relation label, every source (model, fill, intersect, union; see
   ``merge_relations``) and threshold (0.05..0.95) is scored end to end (entities from
   ``extract(mode="rules")``, and ``mode="hybrid"`` with ``--settings rules,hybrid``;
   govie.scoring); the best one becomes the label's policy only when it beats the rules by
   at least ``--min-gain`` F1 (mean over those settings), is worse in none, nets at least
   ``--min-tp`` (true positives gained + false positives saved) in each, and is not worse
   with gold entities (oracle); else the label keeps the rules. ``model`` in ``--settings``
   (entities of ``mode="model"``) is reported only: the learned relations run in
   hybrid/auto mode.
5. ``relations.safetensors`` + ``relations.json`` (thresholds, policy, encoder hash, dev
   metrics) are written to ``--out`` (default: the model directory; another directory gets
   a copy of the tagger files so that it is a complete model directory) and a markdown table
   of dev P/R/F1 per relation (rules / model / chosen merge, oracle and end to end) is printed.

The test split is never used for a choice; ``--eval-test`` only reports it afterwards.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

import govie
from govie.model import relations as R
from govie.relate import link
from govie.scoring import match_label, score
from govie.text import TextView
from govie.types import Document, Entity, Relation

from .data import load_gold

Log = Callable[[str], None]
THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(1, 20))
MERGE_SOURCES = ("model", "fill", "intersect", "union")


# ----------------------------------------------------------------------------- data
class DocCase:
    """One document under one entity setting: its entities, rule relations, candidate pairs,
    pair features and labels."""

    def __init__(self, gold: Document, entities: Sequence[Entity], rule_rels: Sequence[Relation],
                 pairs: list[R.Pair], feats, y: list[float]):
        self.gold = gold
        self.entities = tuple(entities)
        self.rule_rels = tuple(rule_rels)
        self.pairs = pairs
        self.feats = feats
        self.y = y
        self.probs: list[float] = []


def gold_map(gold: Document, entities: Sequence[Entity]) -> dict[str, str]:
    """Predicted entity id -> gold entity id under the scorer's span rules."""
    out: dict[str, str] = {}
    labels = {e.label for e in entities} | {e.label for e in gold.entities}
    for lab in labels:
        g = [e for e in gold.entities if e.label == lab]
        p = [e for e in entities if e.label == lab]
        for ge, pe in match_label(lab, g, p):
            out[pe.id] = ge.id
    return out


def make_case(gold: Document, entities: Sequence[Entity], rule_rels, states, max_gap) -> DocCase:
    view = TextView.from_text(gold.text)
    pairs = R.candidates(gold.text, entities, R.REL_LABELS, max_gap)
    offs, st = states
    feats = torch.from_numpy(R.pair_features(view, R.SpanPooler(offs, np.asarray(st, dtype=np.float32)), pairs))
    gm = gold_map(gold, entities)
    gold_keys = {(r.label, r.head, r.tail) for r in gold.relations}
    y = [1.0 if (p.label, gm.get(p.head.id, ""), gm.get(p.tail.id, "")) in gold_keys else 0.0 for p in pairs]
    return DocCase(gold, entities, rule_rels, pairs, feats, y)


def encode_docs(tagger, docs: Sequence[Document], cache: Path | None, log: Log) -> dict[str, Any]:
    """doc id -> (token offsets, fp16 states) of the view text, from the cache when it has them."""
    sha = R.file_sha256(Path(tagger.model_dir) / "model.safetensors")[:16]
    path = cache / f"relstates-{sha}.pt" if cache else None
    store: dict[str, Any] = {}
    if path is not None and path.exists():
        store = torch.load(path, weights_only=False)
    keyed = {str(d.id): TextView.from_text(d.text).text for d in docs}
    todo = [k for k, t in keyed.items() if k not in store or store[k][2] != len(t)]
    t0 = time.time()
    step = 8
    for i in range(0, len(todo), step):
        ks = todo[i:i + step]
        for k, (offs, st) in zip(ks, R.token_states(tagger, [keyed[k] for k in ks])):
            store[k] = (offs, st.astype(np.float16), len(keyed[k]))
    if todo:
        chars = sum(len(keyed[k]) for k in todo)
        log(f"encoded {len(todo)} documents ({chars} chars) in {time.time() - t0:.1f}s")
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            torch.save(store, path)
    return {k: (store[k][0], store[k][1]) for k in keyed}


def rules_doc(gold: Document) -> Document:
    return govie.extract(gold.text, mode="rules")


# ----------------------------------------------------------------------------- training
def train_head(cases: Sequence[DocCase], epochs: int, lr: float, width: int, dropout: float,
               seed: int, log: Log, batch_size: int = 256, weight_decay: float = 1e-4):
    torch.manual_seed(seed)
    rng = random.Random(seed)
    X = torch.cat([c.feats for c in cases if c.pairs])
    y = torch.tensor([v for c in cases for v in c.y])
    lab = torch.tensor([R.REL_LABELS.index(p.label) for c in cases for p in c.pairs])
    head = R.build_head(X.shape[1], width, dropout)
    opt = torch.optim.AdamW(head.parameters(), lr=lr, weight_decay=weight_decay)
    n = X.shape[0]
    log(f"training head on {n} candidate pairs ({int(y.sum())} positive), in_dim {X.shape[1]}")
    t0 = time.time()
    for ep in range(epochs):
        head.train()
        order = list(range(n))
        rng.shuffle(order)
        tot = 0.0
        for i in range(0, n, batch_size):
            idx = torch.tensor(order[i:i + batch_size])
            logits = head(X[idx]).gather(1, lab[idx][:, None])[:, 0]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += float(loss.detach()) * len(idx)
        if ep == 0 or (ep + 1) % 10 == 0 or ep + 1 == epochs:
            log(f"  epoch {ep + 1}: loss {tot / n:.4f}")
    log(f"head trained in {time.time() - t0:.1f}s")
    return head.eval()


@torch.inference_mode()
def score_cases(head, cases: Sequence[DocCase]) -> None:
    for c in cases:
        c.probs = torch.sigmoid(R.label_logits(head, c.feats, c.pairs)).tolist() if c.pairs else []


# ----------------------------------------------------------------------------- evaluation
def predicted_docs(cases: Sequence[DocCase], policy: dict[str, str], thresholds: dict[str, float]) -> list[Document]:
    out = []
    for c in cases:
        model_rels = R.decode(c.pairs, c.probs, thresholds)
        rels = R.merge_relations(c.rule_rels, model_rels, policy)
        out.append(Document(text=c.gold.text, entities=c.entities, relations=tuple(rels), id=c.gold.id))
    return out


def rel_scores(cases: Sequence[DocCase], policy, thresholds) -> dict[str, dict]:
    return score([c.gold for c in cases], predicted_docs(cases, policy, thresholds))["relations"]


def _f(row) -> float:
    return row["f1"] or 0.0


def choose(settings: dict[str, Sequence[DocCase]], e2e: Sequence[str], min_gain: float, min_tp: int, log: Log):
    """Per relation label: the best (source, threshold) on the dev settings ``e2e`` (F1 summed
    over them), and the adopted policy: a merge is adopted only when its mean F1 gain over
    the rules is at least ``min_gain``, it is not worse in any end-to-end setting, it nets at
    least ``min_tp`` (true positives gained + false positives saved) in each of them, and it
    is not worse with gold entities (``oracle``)."""
    base = {name: rel_scores(cs, {}, {}) for name, cs in settings.items()}
    # labels are independent (decoding, merging and scoring are per label): one scoring run
    # per (setting, source, threshold) covers every label
    grid = {(name, src, t): rel_scores(settings[name], dict.fromkeys(R.REL_LABELS, src),
                                       dict.fromkeys(R.REL_LABELS, t))
            for name in e2e for src in MERGE_SOURCES for t in THRESHOLDS}
    best: dict[str, dict[str, Any]] = {}
    for lab in R.REL_LABELS:
        best[lab] = {}
        for src in MERGE_SOURCES:
            t = max(THRESHOLDS, key=lambda t: (sum(_f(grid[(n, src, t)][lab]) for n in e2e),
                                               sum(grid[(n, src, t)][lab]["tp"] for n in e2e), t))
            best[lab][src] = {"threshold": t, **{n: grid[(n, src, t)][lab] for n in e2e}}
    others = [n for n in settings if n not in e2e]
    for src in MERGE_SOURCES:
        th = {lab: best[lab][src]["threshold"] for lab in R.REL_LABELS}
        for n in others:
            sc = rel_scores(settings[n], dict.fromkeys(R.REL_LABELS, src), th)
            for lab in R.REL_LABELS:
                best[lab][src][n] = sc[lab]
    policy: dict[str, str] = {}
    thresholds: dict[str, float] = {}
    for lab in R.REL_LABELS:
        row = best[lab]
        cand = max(MERGE_SOURCES, key=lambda src, row=row: (sum(_f(row[src][n]) for n in e2e),
                                                            sum(_f(row[src][n]) for n in others)))
        gains = [_f(best[lab][cand][n]) - _f(base[n][lab]) for n in e2e]
        nets = [(best[lab][cand][n]["tp"] - base[n][lab]["tp"]) + (base[n][lab]["fp"] - best[lab][cand][n]["fp"])
                for n in e2e]
        ok = (all(base[n][lab]["gold"] > 0 for n in e2e) and sum(gains) / len(gains) >= min_gain
              and min(gains) >= 0 and min(nets) >= min_tp
              and all(_f(best[lab][cand][n]) >= _f(base[n][lab]) for n in others))
        policy[lab] = cand if ok else "rules"
        thresholds[lab] = best[lab][cand if ok else "model"]["threshold"]
        log(f"{lab}: best merge {cand}@{best[lab][cand]['threshold']}: " + ", ".join(
            f"{n} {_f(base[n][lab]):.3f}->{_f(best[lab][cand][n]):.3f}" for n in settings)
            + f" (net {nets}) -> {policy[lab]}")
    return policy, thresholds, best, base


def _cell(row) -> str:
    if row["gold"] == 0 and row["pred"] == 0:
        return "–"
    p = row["precision"] or 0.0
    r = row["recall"] or 0.0
    return f"{p:.3f} / {r:.3f} / {_f(row):.3f}"


def table(rows: dict[str, dict[str, dict]], title: str) -> str:
    """Markdown: relation label x (setting, source) -> P / R / F1."""
    cols = list(rows)
    lines = [f"**{title}** (P / R / F1)", "", "| relation | gold | " + " | ".join(cols) + " |",
             "|---|---|" + "---|" * len(cols)]
    for lab in (*R.REL_LABELS, "micro"):
        g = next(iter(rows.values()))[lab]["gold"]
        lines.append(f"| {lab} | {g} | " + " | ".join(_cell(rows[c][lab]) for c in cols) + " |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main
def write_model(out: Path, model_dir: Path, head, cfg: dict) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    if out.resolve() != model_dir.resolve():
        for f in model_dir.iterdir():
            if f.is_file() and f.name not in (R.WEIGHTS, R.CONFIG):
                shutil.copy2(f, out / f.name)
    save_file({k: v.detach().cpu().contiguous().float() for k, v in head.state_dict().items()},
              str(out / R.WEIGHTS))
    with open(out / R.CONFIG, "w", encoding="utf-8") as fh:
        json.dump(cfg, fh, ensure_ascii=False, indent=2)
        fh.write("\n")


def run(args, log: Log = print) -> dict[str, Any]:
    from govie.model.tagger import Tagger

    torch.set_num_threads(args.threads)
    t_start = time.time()
    model_dir = Path(args.model_dir)
    out = Path(args.out) if args.out else model_dir
    examples = load_gold(args.gold, log=log)
    by_split: dict[str, list[Document]] = {"train": [], "dev": [], "test": []}
    for ex in examples:
        by_split.setdefault(ex.split, []).append(ex.doc)
    log("gold: " + ", ".join(f"{k} {len(v)}" for k, v in by_split.items()))
    tagger = Tagger.load(model_dir)
    splits = ["train", "dev"] + (["test"] if args.eval_test else [])
    docs = [d for s in splits for d in by_split[s]]
    states = encode_docs(tagger, docs, Path(args.cache) if args.cache else None, log)
    max_gap = dict(R.MAX_GAP)

    e2e = ["rules"] + [n for n in args.settings.split(",") if n and n != "rules"]
    if args.hybrid and "hybrid" not in e2e:
        e2e.append("hybrid")
    bad = [n for n in e2e if n not in ("rules", "hybrid", "model")]
    if bad:
        raise SystemExit(f"--settings: unknown setting(s) {bad}; use rules, hybrid, model")
    choose_on = [n for n in e2e if n != "model"]  # the learned relations run in hybrid/auto only
    pipes = {}
    for n in e2e:
        if n != "rules":
            from govie.pipeline import Pipeline

            pipes[n] = Pipeline(mode=n, model_dir=str(model_dir))
            pipes[n].tagger.__dict__["_govie_relation_model"] = None  # rule relations only here

    def cases(split: str, setting: str) -> list[DocCase]:
        out_c = []
        gold_docs = by_split[split]
        if setting in pipes:
            t1 = time.time()
            ents_of = [list(d.entities) for d in pipes[setting].pipe([g.text for g in gold_docs], batch_size=8)]
            log(f"{setting} extraction of {len(gold_docs)} {split} documents in {time.time() - t1:.1f}s")
        for i, g in enumerate(gold_docs):
            if setting == "oracle":
                ents = list(g.entities)
            elif setting == "rules":
                ents = list(rules_doc(g).entities)
            else:
                ents = ents_of[i]
            out_c.append(make_case(g, ents, link(ents, g.text), states[str(g.id)], max_gap))
        return out_c

    names = ["oracle", *e2e]
    t0 = time.time()
    train_cases = cases("train", "oracle")
    if "rules" in args.train_on:
        train_cases += cases("train", "rules")
    dev = {n: cases("dev", n) for n in names}
    log(f"features built in {time.time() - t0:.1f}s")
    head = train_head(train_cases, args.epochs, args.lr, args.width, args.dropout, args.seed, log)
    for cs in dev.values():
        score_cases(head, cs)
    policy, thresholds, best, _ = choose({n: dev[n] for n in ["oracle", *choose_on]}, choose_on,
                                            args.min_gain, args.min_tp, log)
    for lab in R.REL_LABELS:  # report-only settings (model mode) at the chosen thresholds
        for n in e2e:
            if n not in choose_on:
                for src in MERGE_SOURCES:
                    best[lab][src][n] = rel_scores(dev[n], {lab: src}, {lab: best[lab][src]["threshold"]})[lab]
    model_only = {lab: "model" for lab in R.REL_LABELS}
    th_model = {lab: best[lab]["model"]["threshold"] for lab in R.REL_LABELS}

    def rows_of(sets):
        rows = {}
        for n, cs in sets.items():
            rows[f"{n} rules"] = rel_scores(cs, {}, {})
            rows[f"{n} model"] = rel_scores(cs, model_only, th_model)
            rows[f"{n} chosen"] = rel_scores(cs, policy, thresholds)
        return rows

    rows_dev = rows_of(dev)
    md = [table(rows_dev, "dev relations (oracle: gold entities; rules/hybrid/model: entities of extract(mode=...))"), "",
          "policy: " + ", ".join(f"{lab}={policy[lab]}@{thresholds[lab]}" for lab in R.REL_LABELS), "",
          "best merge per source on dev (F1 " + " / ".join(names) + " @threshold):", ""]
    for lab in R.REL_LABELS:
        md.append(f"- {lab}: " + "; ".join(
            f"{s} " + "/".join(f"{_f(best[lab][s][n]):.3f}" for n in names) + f"@{best[lab][s]['threshold']}"
            for s in MERGE_SOURCES))
    rows_test = None
    if args.eval_test:
        test = {n: cases("test", n) for n in names}
        for cs in test.values():
            score_cases(head, cs)
        rows_test = rows_of(test)
        md += ["", table(rows_test, "test relations (reported only; nothing chosen on test)")]
    text = "\n".join(md)
    print(text)

    def slim(rows):
        return {c: {lab: {k: r[k] for k in ("gold", "pred", "tp", "precision", "recall", "f1")}
                    for lab, r in v.items()} for c, v in rows.items()}

    cfg = {
        "format": R.FORMAT,
        "labels": list(R.REL_LABELS),
        "in_dim": int(train_cases[0].feats.shape[1]) if train_cases else 0,
        "width": args.width,
        "dropout": args.dropout,
        "n_cheap": R.N_CHEAP,
        "max_gap": max_gap,
        "thresholds": thresholds,
        "policy": policy,
        "encoder_sha256": R.file_sha256(model_dir / "model.safetensors"),
        "trained": {"epochs": args.epochs, "lr": args.lr, "seed": args.seed, "train_on": args.train_on,
                    "pairs": sum(len(c.pairs) for c in train_cases),
                    "positive": int(sum(sum(c.y) for c in train_cases)),
                    "documents": {k: len(v) for k, v in by_split.items()},
                    "min_gain": args.min_gain, "min_tp": args.min_tp,
                    "seconds": round(time.time() - t_start, 1)},
        "dev": slim(rows_dev),
    }
    if rows_test is not None:
        cfg["test"] = slim(rows_test)
    if not args.dry_run:
        write_model(out, model_dir, head, cfg)
        log(f"wrote {out / R.WEIGHTS} and {out / R.CONFIG}")
    if args.report:
        Path(args.report).write_text(text + "\n", encoding="utf-8")
    return cfg


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.train_relations", description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", required=True, help="a govie tagger model directory (govie.json, model.safetensors)")
    ap.add_argument("--out", default=None, help="where relations.* go (default: the model directory)")
    ap.add_argument("--gold", action="append", default=None, help="gold file or folder (default training/data/gold)")
    ap.add_argument("--cache", default=None, help="folder to cache encoder states in")
    ap.add_argument("--train-on", default="gold", choices=["gold", "gold+rules"])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--min-gain", type=float, default=0.005, help="F1 gain over rules (dev e2e) to adopt a merge")
    ap.add_argument("--min-tp", type=int, default=2, help="net true positives (tp gained + fp saved) to adopt it")
    ap.add_argument("--hybrid", action="store_true",
                    help="same as adding hybrid to --settings")
    ap.add_argument("--settings", default="rules",
                    help="end-to-end settings, comma separated: rules, hybrid (chosen on), model (reported only)")
    ap.add_argument("--eval-test", action="store_true", help="also report test (never used for a choice)")
    ap.add_argument("--dry-run", action="store_true", help="write nothing")
    ap.add_argument("--report", default=None, help="write the markdown table to this file")
    args = ap.parse_args(argv)
    args.gold = args.gold or ["training/data/gold"]
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
