"""A learned relation extractor on top of the tagger's encoder (count_of, deadline, target, doc_title).

A model directory that has ``relations.safetensors`` + ``relations.json`` (written by
``python -m training.train_relations``) can link entities with a small classifier::

    rm = RelationModel.load(model_dir)            # loads the tagger's encoder (govie.model.tagger)
    rm.predict(text, entities)                    # [(head_id, tail_id, label, score)]

* Candidate pairs (``candidates``, pure Python, no torch) come by label pair:
  COUNT -> SUBJECT on the same line with no sentence end between them and a gap of at
  most ``max_gap["count_of"]`` characters; COMMITMENT -> DATE nested in the commitment or
  on the same line within a window (``2019年,将…``, a work-plan table row ``…。 | 全年``);
  COMMITMENT -> COUNT nested in the commitment; DOC_NO -> TITLE within a few characters
  (``《…》(X〔2020〕5号)``, across a line break too).
* Features: the mean of the encoder's token states over the head span, over the tail
  span, their product, the mean over the text between them (zeros when they touch or
  nest), and a few cheap ones (``cheap_features``: label, order, gap bucket, punctuation
  and line breaks between, same clause, distance rank among the head's candidates,
  competing tails between, span lengths).
* Classifier: LayerNorm -> Linear -> ReLU -> Linear with one logit per relation label.
* Decoding: a COUNT gets at most one SUBJECT, a COMMITMENT at most one deadline, a
  DOC_NO at most one TITLE (the best candidate above the label's threshold); targets are
  all candidates above the threshold.

``merge_relations(rule_rels, model_rels, policy)`` combines the rule relations with the
model's per relation label; the policy (written by training/train_relations.py after
measuring on dev) says which source each label takes: ``rules`` (default), ``model``,
``fill`` (rules, plus the model's pick for heads the rules left unlinked), ``intersect``
(rule relations the model agrees with) or ``union``. ``refine`` is what the pipeline
calls in hybrid/auto mode; it returns the rule relations unchanged unless the model
directory has relation weights made for this very encoder and a policy that uses them.

At run time the relation model needs numpy only: the encoder states come from the
tagger's backend (onnxruntime or torch), and from the tagger's own pass over the text when
it kept them (``Tagger.keep_states``, switched on when a relation model is loaded for it),
so the text is not encoded a second time; the head runs in numpy (``NumpyHead``). Torch
is used for training only (``build_head``, ``label_logits``).
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..types import Entity, Relation

WEIGHTS = "relations.safetensors"
CONFIG = "relations.json"
FORMAT = "govie-relations/1"

#: relation label -> (head label, tail label)
PAIRS: dict[str, tuple[str, str]] = {
    "count_of": ("COUNT", "SUBJECT"),
    "deadline": ("COMMITMENT", "DATE"),
    "target": ("COMMITMENT", "COUNT"),
    "doc_title": ("DOC_NO", "TITLE"),
}
REL_LABELS: tuple[str, ...] = tuple(PAIRS)
#: labels whose head takes at most one tail
SINGLE_TAIL = frozenset({"count_of", "deadline", "doc_title"})
#: merge sources a policy may name
SOURCES: tuple[str, ...] = ("rules", "model", "fill", "intersect", "union")
#: default candidate windows (characters between the spans)
MAX_GAP: dict[str, int] = {"count_of": 48, "deadline": 40, "target": 0, "doc_title": 8}

_SENT_END = frozenset("。；;！？!?")
_CLAUSE_PUNCT = frozenset("，,：:、")
_GAP_EDGES = (0, 1, 2, 4, 8, 16, 32)  # bucket k: gap <= edge[k]; last bucket: larger


# ----------------------------------------------------------------------------- candidates
@dataclass(frozen=True)
class Pair:
    """A candidate relation between two entities, with its cheap features."""

    head: Entity
    tail: Entity
    label: str
    feats: tuple[float, ...]


def _gap(a: Entity, b: Entity) -> int:
    """Characters between two spans (0 when they touch, nest or overlap)."""
    return max(0, max(a.start, b.start) - min(a.end, b.end))


def _between(a: Entity, b: Entity) -> tuple[int, int]:
    """The text range strictly between two disjoint spans ((x, x) when they nest or touch)."""
    lo, hi = min(a.end, b.end), max(a.start, b.start)
    return (lo, hi) if hi > lo else (lo, lo)


def _nested(h: Entity, t: Entity) -> bool:
    return h.start <= t.start and t.end <= h.end


def _allowed(label: str, text: str, h: Entity, t: Entity, max_gap: Mapping[str, int]) -> bool:
    if h.start < t.end and t.start < h.end:  # overlapping / nested
        return label in ("deadline", "target") and _nested(h, t)
    if label == "target":
        return False
    g = _gap(h, t)
    if g > max_gap.get(label, MAX_GAP[label]):
        return False
    s, e = _between(h, t)
    mid = text[s:e]
    if label == "doc_title":
        return True  # a number may sit on the line after its title
    if "\n" in mid:
        return False
    return not (label == "count_of" and any(c in _SENT_END for c in mid))


def _bucket(gap: int) -> int:
    for k, edge in enumerate(_GAP_EDGES):
        if gap <= edge:
            return k
    return len(_GAP_EDGES)


N_CHEAP = len(REL_LABELS) + 3 + (len(_GAP_EDGES) + 1) + 6 + 3 + 3 + 2


def cheap_features(text: str, h: Entity, t: Entity, label: str, rank: int, head_rank: int,
                   competing: int) -> tuple[float, ...]:
    """The cheap features of a candidate pair (``N_CHEAP`` floats)."""
    f: list[float] = [1.0 if label == lab else 0.0 for lab in REL_LABELS]
    nested = h.start < t.end and t.start < h.end
    f += [1.0 if nested else 0.0, 1.0 if (not nested and t.end <= h.start) else 0.0,
          1.0 if (not nested and t.start >= h.end) else 0.0]
    b = _bucket(_gap(h, t))
    f += [1.0 if k == b else 0.0 for k in range(len(_GAP_EDGES) + 1)]
    if nested:
        s, e = t.start, t.start  # inside the head: look at the head's text before the tail
        mid = text[h.start:t.start] if label in ("deadline", "target") else ""
    else:
        s, e = _between(h, t)
        mid = text[s:e]
    n_clause = sum(1 for c in mid if c in _CLAUSE_PUNCT)
    f += [min(n_clause, 3) / 3.0,
          1.0 if any(c in _SENT_END for c in mid) else 0.0,
          1.0 if "\n" in mid else 0.0,
          1.0 if ("|" in mid or "\t" in mid) else 0.0,
          1.0 if n_clause == 0 and not any(c in _SENT_END for c in mid) else 0.0,
          min(competing, 3) / 3.0]
    f += [1.0 if min(rank, 2) == k else 0.0 for k in range(3)]
    f += [1.0 if min(head_rank, 2) == k else 0.0 for k in range(3)]
    f += [math.log1p(h.end - h.start) / 5.0, math.log1p(t.end - t.start) / 5.0]
    return tuple(f)


def candidates(text: str, entities: Sequence[Entity], labels: Iterable[str] = REL_LABELS,
               max_gap: Mapping[str, int] | None = None) -> list[Pair]:
    """Candidate pairs among ``entities`` of ``text`` (original offsets), in a stable order
    (by label, then head start, then tail start)."""
    max_gap = dict(MAX_GAP, **(max_gap or {}))
    by_label: dict[str, list[Entity]] = {}
    for e in entities:
        by_label.setdefault(e.label, []).append(e)
    for v in by_label.values():
        v.sort(key=lambda e: (e.start, e.end))
    out: list[Pair] = []
    for label in labels:
        hl, tl = PAIRS[label]
        heads, tails = by_label.get(hl, []), by_label.get(tl, [])
        if not heads or not tails:
            continue
        raw: list[tuple[Entity, Entity]] = []
        win = max(max_gap.get(label, 0), 0)
        import bisect

        tstarts = [t.start for t in tails]
        for h in heads:
            lo = bisect.bisect_left(tstarts, h.start - win - 1000)  # a tail ends near h.start: margin for its length
            hi = bisect.bisect_right(tstarts, h.end + win)
            for t in tails[lo:hi]:
                if _allowed(label, text, h, t, max_gap):
                    raw.append((h, t))
        # distance ranks: of each tail among its head's candidates, of each head among its tail's
        per_head: dict[str, list[tuple[int, int, Entity]]] = {}
        per_tail: dict[str, list[tuple[int, int, Entity]]] = {}
        for h, t in raw:
            per_head.setdefault(h.id, []).append((_gap(h, t), t.start, t))
            per_tail.setdefault(t.id, []).append((_gap(h, t), h.start, h))
        rank = {}
        for hid, lst in per_head.items():
            for k, (_, _, t) in enumerate(sorted(lst, key=lambda x: (x[0], x[1]))):
                rank[(hid, t.id)] = k
        head_rank = {}
        for tid, lst in per_tail.items():
            for k, (_, _, h) in enumerate(sorted(lst, key=lambda x: (x[0], x[1]))):
                head_rank[(h.id, tid)] = k
        for h, t in raw:
            s, e = _between(h, t)
            competing = sum(1 for _, _, x in per_head[h.id] if x is not t and s <= x.start and x.end <= e) \
                if e > s else 0
            out.append(Pair(h, t, label, cheap_features(text, h, t, label, rank[(h.id, t.id)],
                                                        head_rank[(h.id, t.id)], competing)))
    return out


def decode(pairs: Sequence[Pair], scores: Sequence[Sequence[float]] | Sequence[float],
           thresholds: Mapping[str, float]) -> list[tuple[str, str, str, float]]:
    """``(head_id, tail_id, label, score)`` from pair scores: best tail per head above the
    label's threshold for SINGLE_TAIL labels, every tail above it otherwise."""
    best: dict[tuple[str, str], tuple[float, int]] = {}
    multi: list[tuple[str, str, str, float]] = []
    for i, (p, sc) in enumerate(zip(pairs, scores)):
        s = float(sc)
        if s < thresholds.get(p.label, 0.5):
            continue
        if p.label in SINGLE_TAIL:
            key = (p.label, p.head.id)
            if key not in best or s > best[key][0]:
                best[key] = (s, i)
        else:
            multi.append((p.head.id, p.tail.id, p.label, s))
    out = [(pairs[i].head.id, pairs[i].tail.id, pairs[i].label, s) for s, i in best.values()] + multi
    out.sort(key=lambda r: (REL_LABELS.index(r[2]), r[0], r[1]))
    return out


# ----------------------------------------------------------------------------- merge
def _as_relation(r) -> Relation:
    if isinstance(r, Relation):
        return r
    head, tail, label, score = r
    return Relation(str(head), str(tail), label, round(float(score), 4) if score is not None else None)


def merge_relations(rule_rels: Sequence[Relation], model_rels: Sequence[Relation | tuple],
                    policy: Mapping[str, Any] | None) -> list[Relation]:
    """Rule and model relations combined per relation label by ``policy`` (label -> source,
    or label -> {"source": ...}); a label the policy does not name keeps the rules.

    rules: the rule relations; model: the model's; intersect: the rule relations the model
    also predicts; union: both; fill: the rule relations plus the model's relations whose
    head has no rule relation of that label. Rule relations keep their order, additions
    follow; no relation appears twice.
    """
    policy = policy or {}
    model = [_as_relation(r) for r in model_rels]
    src: dict[str, str] = {}
    for lab in REL_LABELS:
        p = policy.get(lab, "rules")
        p = p.get("source", "rules") if isinstance(p, Mapping) else p
        if p not in SOURCES:
            raise ValueError(f"relation policy for {lab}: {p!r} is not one of {SOURCES}")
        src[lab] = p
    model_keys = {(r.label, r.head, r.tail) for r in model}
    rule_heads = {(r.label, r.head) for r in rule_rels}
    out: list[Relation] = []
    seen: set[tuple[str, str, str]] = set()

    def add(r: Relation) -> None:
        k = (r.label, r.head, r.tail)
        if k not in seen:
            seen.add(k)
            out.append(r)

    for r in rule_rels:
        s = src.get(r.label, "rules")
        if s in ("rules", "fill", "union") or (s == "intersect" and (r.label, r.head, r.tail) in model_keys):
            add(r)
    for r in model:
        s = src.get(r.label, "rules")
        if s in ("model", "union") or (s == "fill" and (r.label, r.head) not in rule_heads):
            add(r)
    return out


def uses_model(policy: Mapping[str, Any] | None) -> bool:
    """Whether a policy takes anything from the model."""
    for p in (policy or {}).values():
        p = p.get("source", "rules") if isinstance(p, Mapping) else p
        if p != "rules":
            return True
    return False


# ----------------------------------------------------------------------------- encoder states
def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def token_states(tagger, texts: Sequence[str]):
    """Per text: (cleaned token offsets, float32 numpy array [tokens, hidden]) of the tagger's
    encoder, windowed exactly as the tagger windows (``window``/``stride``), overlaps averaged.
    Texts whose states the tagger kept from its last ``predict`` (``Tagger.kept_states``) are
    not encoded again."""
    import numpy as np

    texts = list(texts)
    out: list[Any] = [None] * len(texts)
    kept = getattr(tagger, "kept_states", None)
    todo = []
    for i, t in enumerate(texts):
        got = kept(t) if kept is not None else None
        if got is not None:
            out[i] = got
        else:
            todo.append(i)
    if todo:
        for i, st in zip(todo, _encode_states(tagger, [texts[i] for i in todo])):
            out[i] = st
    return [(offs, np.asarray(st, dtype=np.float32)) for offs, st in out]


def _encode_states(tagger, texts: Sequence[str]):
    """token_states without the tagger's kept states: one encoder pass over ``texts``."""
    from .decode import clean_offsets, merge_states

    encs = tagger.tokenizer.encode_batch(list(texts), add_special_tokens=False) if texts else []
    wins = tagger._windows([enc.ids for enc in encs])  # as the tagger windows its own pass
    parts: list[list[tuple[int, Any]]] = [[] for _ in encs]
    hidden = 0  # the states' width, from the first window (texts without any have no states)
    for (t, s, _), h in zip(wins, tagger.hidden_windows(wins) if wins else []):
        parts[t].append((s, h))
        hidden = int(h.shape[-1])
    out = []
    for t, enc in enumerate(encs):
        offs = clean_offsets(enc.offsets)
        out.append((offs, merge_states(len(enc.ids), parts[t], hidden)))
    return out


class SpanPooler:
    """Mean token state over a character range of the encoded (view) text."""

    def __init__(self, offsets: Sequence[tuple[int, int]], states):
        import bisect

        self._bisect = bisect
        self.states = states
        self.idx = [i for i, (s, e) in enumerate(offsets) if e > s]
        self.starts = [offsets[i][0] for i in self.idx]
        self.ends = [offsets[i][1] for i in self.idx]

    def tokens(self, s: int, e: int) -> list[int]:
        if not self.idx or e <= s:
            return []
        lo = self._bisect.bisect_right(self.ends, s)  # first token ending after s
        out = []
        for k in range(lo, len(self.idx)):
            if self.starts[k] >= e:
                break
            out.append(self.idx[k])
        return out

    def mean(self, s: int, e: int, fallback: bool = True):
        import numpy as np

        toks = self.tokens(s, e)
        if not toks:
            if not fallback or not self.idx:
                return np.zeros(self.states.shape[-1], dtype=np.float32)
            k = min(self._bisect.bisect_left(self.starts, s), len(self.idx) - 1)
            toks = [self.idx[k]]
        return self.states[toks].mean(0)


def pair_features(view, pooler: SpanPooler, pairs: Sequence[Pair]):
    """The feature matrix (float32 numpy) [pairs, 4*hidden + N_CHEAP] of candidate pairs
    (entities in original offsets; the pooler indexes the view text)."""
    import numpy as np

    if not pairs:
        H = int(pooler.states.shape[-1])
        return np.zeros((0, 4 * H + N_CHEAP), dtype=np.float32)
    cache: dict[tuple[int, int], Any] = {}

    def span(s: int, e: int, fallback: bool = True):
        key = (s, e, fallback)
        if key not in cache:
            if e <= s:
                cache[key] = pooler.mean(0, 0, fallback=False)
            else:
                vs, ve = view.to_view(s, e)
                cache[key] = pooler.mean(vs, ve, fallback=fallback)
        return cache[key]

    rows = []
    for p in pairs:
        hv = span(p.head.start, p.head.end)
        tv = span(p.tail.start, p.tail.end)
        bs, be = _between(p.head, p.tail)
        bv = span(bs, be, fallback=False) if be > bs else span(0, 0)
        rows.append(np.concatenate([hv, tv, hv * tv, bv, np.asarray(p.feats, dtype=np.float32)]))
    return np.stack(rows).astype(np.float32, copy=False)


def build_head(in_dim: int, width: int = 128, dropout: float = 0.1, n_out: int = len(REL_LABELS)):
    """The classifier: LayerNorm -> Linear -> ReLU -> Dropout -> Linear (one logit per label)."""
    from torch import nn

    return nn.Sequential(nn.LayerNorm(in_dim), nn.Linear(in_dim, width), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(width, n_out))


class NumpyHead:
    """``build_head``'s network in numpy (inference only), from its state dict."""

    def __init__(self, state: Mapping[str, Any], eps: float = 1e-5):
        import numpy as np

        w = {k: np.asarray(v, dtype=np.float32) for k, v in state.items()}
        self.ln_w, self.ln_b = w["0.weight"], w["0.bias"]
        self.w1, self.b1 = w["1.weight"].T.copy(), w["1.bias"]
        self.w2, self.b2 = w["4.weight"].T.copy(), w["4.bias"]
        self.eps = eps

    def __call__(self, x):
        import numpy as np

        x = np.asarray(x, dtype=np.float32)
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        x = (x - mu) / np.sqrt(var + self.eps) * self.ln_w + self.ln_b
        return np.maximum(x @ self.w1 + self.b1, 0.0) @ self.w2 + self.b2

    def eval(self) -> NumpyHead:
        return self


def pair_probs(head: NumpyHead, feats, pairs: Sequence[Pair]) -> list[float]:
    """The sigmoid of each pair's logit under its own label (numpy head)."""
    import numpy as np

    logits = head(feats)
    z = logits[np.arange(len(pairs)), [REL_LABELS.index(p.label) for p in pairs]]
    return (1.0 / (1.0 + np.exp(-z))).tolist()


def label_logits(head, feats, pairs: Sequence[Pair]):
    """The logit of each pair under its own label (torch head, for training)."""
    import torch

    feats = torch.as_tensor(feats)
    logits = head(feats)
    idx = torch.tensor([REL_LABELS.index(p.label) for p in pairs], dtype=torch.long)
    return logits.gather(1, idx[:, None])[:, 0]


# ----------------------------------------------------------------------------- runtime model
def read_config(model_dir) -> dict:
    with open(Path(model_dir) / CONFIG, encoding="utf-8") as fh:
        cfg = json.load(fh)
    if cfg.get("format") != FORMAT:
        raise ValueError(f"{model_dir}/{CONFIG}: format {cfg.get('format')!r}, expected {FORMAT!r}")
    return cfg


def has_relations(model_dir) -> bool:
    d = Path(model_dir)
    return (d / WEIGHTS).exists() and (d / CONFIG).exists()


class RelationModel:
    """The relation classifier of a model directory, on the tagger's encoder."""

    def __init__(self, tagger, head, cfg: dict):
        self.tagger = tagger
        self.head = head.eval()
        self.cfg = cfg
        self.thresholds: dict[str, float] = {k: float(v) for k, v in cfg.get("thresholds", {}).items()}
        self.max_gap: dict[str, int] = dict(MAX_GAP, **cfg.get("max_gap", {}))
        self.labels: tuple[str, ...] = tuple(cfg.get("labels", REL_LABELS))

    @property
    def policy(self) -> dict[str, Any]:
        return dict(self.cfg.get("policy", {}))

    @classmethod
    def load(cls, model_dir, tagger=None, check_encoder: bool = True) -> RelationModel:
        """Load ``relations.*`` of ``model_dir``; ``tagger``: an already loaded Tagger of that
        directory (else loaded here). Raises ValueError when the weights were trained on
        another encoder (``encoder_sha256`` in relations.json)."""
        from safetensors.numpy import load_file

        model_dir = Path(model_dir)
        cfg = read_config(model_dir)
        if check_encoder and cfg.get("encoder_sha256"):
            from .tagger import WEIGHTS as TAGGER_WEIGHTS

            got = file_sha256(model_dir / TAGGER_WEIGHTS)
            if got != cfg["encoder_sha256"]:
                raise ValueError(f"{model_dir}/{WEIGHTS} was trained on another encoder "
                                 f"({cfg['encoder_sha256'][:12]} != {got[:12]}); retrain it with "
                                 "python -m training.train_relations")
        if tagger is None:
            from .tagger import Tagger

            tagger = Tagger.load(model_dir)
        head = NumpyHead(load_file(str(model_dir / WEIGHTS)))
        if head.ln_w.shape[0] != int(cfg["in_dim"]):
            raise ValueError(f"{model_dir}/{WEIGHTS}: input size {head.ln_w.shape[0]}, relations.json says "
                             f"{cfg['in_dim']}")
        return cls(tagger, head, cfg)

    def pairs(self, text: str, entities: Sequence[Entity]) -> list[Pair]:
        return candidates(text, entities, self.labels, self.max_gap)

    def score_pairs(self, text: str, pairs: Sequence[Pair], view=None) -> list[float]:
        from ..text import TextView

        if not pairs:
            return []
        view = view or TextView.from_text(text)
        (offs, states), = token_states(self.tagger, [view.text])
        return pair_probs(self.head, pair_features(view, SpanPooler(offs, states), pairs), pairs)

    def predict(self, doc_text: str, entities: Sequence[Entity], view=None) -> list[tuple[str, str, str, float]]:
        """``(head_id, tail_id, label, score)`` for the entities (original offsets) of ``doc_text``."""
        pairs = self.pairs(doc_text, entities)
        return decode(pairs, self.score_pairs(doc_text, pairs, view), self.thresholds)


def relation_model(tagger):
    """The RelationModel of the tagger's directory (None when it has none, its policy takes
    nothing from the model, or it was trained on another encoder), cached on the tagger;
    loading it switches on the tagger's ``keep_states``."""
    key = "_govie_relation_model"
    cache = getattr(tagger, "__dict__", None)
    if cache is not None and key in cache:
        return cache[key]
    rm = None
    d = getattr(tagger, "model_dir", None)
    if d is not None and has_relations(d):
        try:
            if uses_model(read_config(d).get("policy")):
                rm = RelationModel.load(d, tagger=tagger)
                if hasattr(tagger, "keep_states"):  # its features then reuse the tagger's pass
                    tagger.keep_states = True
        except ValueError as exc:
            warnings.warn(f"relation model not used: {exc}", stacklevel=3)
            rm = None
    if cache is not None:
        cache[key] = rm
    return rm


def refine(tagger, view, entities: Sequence[Entity], rule_rels: Sequence[Relation]) -> list[Relation]:
    """The pipeline's hook: rule relations merged with the model's by the model's policy;
    the rule relations unchanged when the model directory has no usable relation model."""
    rm = relation_model(tagger)
    if rm is None:
        return list(rule_rels)
    # only the labels the policy takes from the model are scored: a text without candidate
    # pairs of those labels is not encoded again at all (merge_relations ignores the rest)
    used = tuple(lab for lab in rm.labels if uses_model({lab: rm.policy.get(lab, "rules")}))
    pairs = [p for p in rm.pairs(view.original, entities) if p.label in used]
    model_rels = decode(pairs, rm.score_pairs(view.original, pairs, view), rm.thresholds) if pairs else []
    return merge_relations(rule_rels, model_rels, rm.policy)
