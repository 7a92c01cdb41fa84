"""Characters -> tokens -> windows -> batches, with two BIO tag layers.

Layer A tags {DOC_NO, TITLE, DATE, COUNT, SUBJECT}, layer B tags {COMMITMENT}, so a
COMMITMENT can contain a DATE or COUNT. A token gets a span's tag when its characters
overlap the span (the first such token ``B-``, the rest ``I-``). Tokens that straddle a
span edge (``%。``, `` 2020``) are labelled anyway and counted as *snapped*; decoding
strips the stray punctuation/space again (govie.model.decode.strip_span). A token that
two spans of one layer would claim keeps the first and is counted as a *conflict*.
Special tokens and the leading ``▁`` piece get no tag (-100) and are ignored by the loss.

``open_tags``: for an example whose annotation does not cover some labels (silver data
labelled by rules has no SUBJECT or COMMITMENT), a token tagged ``O`` may also be any
tag of those labels; the loss then maximises the total probability of the allowed tags
(partial-label likelihood), so silver data never teaches "this is not a SUBJECT".

Long texts are cut into windows of ``window`` tokens every ``stride`` tokens (the same
windows the runtime tagger uses, govie.model.decode.windows), each wrapped in CLS/SEP.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from govie.model.decode import clean_offsets, tag_set, windows

LAYER_A: tuple[str, ...] = ("DOC_NO", "TITLE", "DATE", "COUNT", "SUBJECT")
LAYER_B: tuple[str, ...] = ("COMMITMENT",)
IGNORE = -100


@dataclass
class Encoded:
    """One text as tokens with tag ids per layer (-100 = ignored)."""

    id: str
    ids: list[int]
    offsets: list[tuple[int, int]]
    tags_a: list[int]
    tags_b: list[int]
    open_a: tuple[int, ...] = ()
    open_b: tuple[int, ...] = ()
    weight: float = 1.0
    snapped: int = 0
    conflicts: int = 0


@dataclass
class Window:
    """One model input: CLS + tokens[start:end] + SEP with aligned tags."""

    example: int  # index into the encoded list
    start: int
    input_ids: list[int]
    tags_a: list[int]
    tags_b: list[int]
    open_a: tuple[int, ...]
    open_b: tuple[int, ...]
    weight: float
    meta: dict = field(default_factory=dict)


def tokenize(tokenizer, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Token ids and cleaned character offsets of ``text`` (no special tokens).

    ``tokenizer`` is a ``tokenizers.Tokenizer`` (or anything with ``encode`` returning
    ``.ids`` and ``.offsets``).
    """
    enc = tokenizer.encode(text, add_special_tokens=False)
    return list(enc.ids), clean_offsets(enc.offsets)


def layer_tags(offsets: Sequence[tuple[int, int]], spans: Iterable[tuple[int, int, str]],
               labels: Sequence[str]) -> tuple[list[int], int, int]:
    """Tag ids (index into ``tag_set(labels)``) per token; returns (tags, snapped, conflicts)."""
    tags = tag_set(labels)
    index = {t: i for i, t in enumerate(tags)}
    out = [IGNORE if e <= s else 0 for s, e in offsets]
    owner = [None] * len(offsets)
    snapped = conflicts = 0
    starts = [s for s, _ in offsets]
    import bisect

    for n, (s, e, lab) in enumerate(sorted(spans)):
        if lab not in labels:
            continue
        i = max(0, bisect.bisect_right(starts, s) - 1)
        first = True
        hit = False
        while i < len(offsets) and offsets[i][0] < e:
            ts, te = offsets[i]
            if te > ts and te > s and ts < e:
                if owner[i] is not None and owner[i] != n:
                    conflicts += 1
                else:
                    if ts < s or te > e:
                        snapped += 1
                    out[i] = index[("B-" if first else "I-") + lab]
                    owner[i] = n
                    first = False
                    hit = True
            i += 1
        if not hit:
            conflicts += 1
    return out, snapped, conflicts


def open_tag_ids(labels: Sequence[str], unannotated: Iterable[str]) -> tuple[int, ...]:
    tags = tag_set(labels)
    un = set(unannotated)
    return tuple(i for i, t in enumerate(tags) if t != "O" and t[2:] in un)


def encode(tokenizer, doc_id: str, text: str, spans: Iterable[tuple[int, int, str]],
           weight: float = 1.0, unannotated: Iterable[str] = ()) -> Encoded:
    """Encode one text with its spans (view offsets, end exclusive)."""
    spans = list(spans)
    ids, offsets = tokenize(tokenizer, text)
    ta, sa, ca = layer_tags(offsets, spans, LAYER_A)
    tb, sb, cb = layer_tags(offsets, spans, LAYER_B)
    un = tuple(unannotated)
    return Encoded(doc_id, ids, offsets, ta, tb, open_tag_ids(LAYER_A, un), open_tag_ids(LAYER_B, un),
                   weight, sa + sb, ca + cb)


def make_windows(encoded: Sequence[Encoded], cls_id: int, sep_id: int, window: int = 256,
                 stride: int = 192) -> list[Window]:
    out = []
    for k, ex in enumerate(encoded):
        for s, e in windows(len(ex.ids), window, stride):
            out.append(Window(k, s, [cls_id] + ex.ids[s:e] + [sep_id],
                              [IGNORE] + ex.tags_a[s:e] + [IGNORE],
                              [IGNORE] + ex.tags_b[s:e] + [IGNORE],
                              ex.open_a, ex.open_b, ex.weight))
    return out


def batches(wins: Sequence[Window], batch_size: int, shuffle: bool = False, seed: int = 0,
            max_tokens: int | None = None) -> list[list[int]]:
    """Window indices grouped by similar length (less padding); batch order shuffled by ``seed``.

    With ``max_tokens`` a batch also stops growing when batch_len * longest exceeds it.
    """
    order = sorted(range(len(wins)), key=lambda i: (len(wins[i].input_ids), i))
    if shuffle:
        rng = random.Random(seed)
        # shuffle within runs of similar length, then group
        chunk = batch_size * 8
        runs = [order[i:i + chunk] for i in range(0, len(order), chunk)]
        for r in runs:
            rng.shuffle(r)
            r.sort(key=lambda i: len(wins[i].input_ids))
        order = [i for r in runs for i in r]
    out: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        longest = max([len(wins[j].input_ids) for j in cur] + [len(wins[i].input_ids)])
        if cur and (len(cur) >= batch_size or (max_tokens and longest * (len(cur) + 1) > max_tokens)):
            out.append(cur)
            cur = []
        cur.append(i)
    if cur:
        out.append(cur)
    if shuffle:
        random.Random(seed + 1).shuffle(out)
    return out


def collate(wins: Sequence[Window], idx: Sequence[int], pad_id: int, n_a: int, n_b: int):
    """Tensors for a batch: input_ids, attention_mask, allowed_a, allowed_b (bool masks), weights."""
    import torch

    bs = [wins[i] for i in idx]
    T = max(len(w.input_ids) for w in bs)
    ids = torch.full((len(bs), T), pad_id, dtype=torch.long)
    att = torch.zeros((len(bs), T), dtype=torch.long)
    allow_a = torch.zeros((len(bs), T, n_a), dtype=torch.bool)
    allow_b = torch.zeros((len(bs), T, n_b), dtype=torch.bool)
    weights = torch.zeros(len(bs), dtype=torch.float)
    for r, w in enumerate(bs):
        n = len(w.input_ids)
        ids[r, :n] = torch.tensor(w.input_ids)
        att[r, :n] = 1
        weights[r] = w.weight
        for layer, tags, opens in ((allow_a, w.tags_a, w.open_a), (allow_b, w.tags_b, w.open_b)):
            for t, tag in enumerate(tags):
                if tag < 0:
                    continue
                layer[r, t, tag] = True
                if tag == 0 and opens:
                    layer[r, t, list(opens)] = True
    return ids, att, allow_a, allow_b, weights


def partial_nll(logits, allowed, weights, pos_weight: float = 1.0):
    """Weighted mean of -log P(allowed tags) over tokens that have any allowed tag.

    A token whose allowed set is every tag contributes zero loss; one-hot sets give the
    usual cross-entropy. ``pos_weight`` multiplies the weight of a token that must be
    inside a span (``O``, tag 0, not allowed): a rare label's tokens can count more.
    """
    import torch

    any_ = allowed.any(-1)
    if not bool(any_.any()):
        return logits.sum() * 0.0
    logz = torch.logsumexp(logits, -1)
    allowed = allowed | ~any_[..., None]  # rows with nothing allowed: no -inf, no NaN gradient
    masked = logits.masked_fill(~allowed, float("-inf"))
    loga = torch.logsumexp(masked, -1)
    nll = (logz - loga).masked_fill(~any_, 0.0)
    w = weights[:, None].expand_as(nll) * any_.float()
    if pos_weight != 1.0:
        w = w * torch.where(allowed[..., 0], 1.0, float(pos_weight))
    return (nll * w).sum() / w.sum().clamp_min(1e-6)
