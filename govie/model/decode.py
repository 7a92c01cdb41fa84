"""Decoding of token tag probabilities into character spans; pure Python, no torch.

The tagger runs the encoder over sliding windows of tokens and hands the per-window tag
probabilities to these functions:

* ``windows(n, size, stride)`` — the token windows of a text of ``n`` tokens;
* ``merge_windows(n, parts, how)`` — one probability row per token, windows merged
  deterministically: ``"average"`` averages the probabilities of every window that covers
  a token, ``"center"`` takes the row of the window in which the token lies farthest from
  a window edge (ties: the earlier window);
* ``clean_offsets(offsets)`` — token character offsets with special tokens and the
  leading ``▁`` piece (which shares its offsets with the next token) made empty;
* ``decode_bio(probs, tags, offsets, text)`` — greedy BIO decoding (an ``I-X`` that does
  not continue an ``X`` opens a new span), character span from the first token's start to
  the last token's end, edges stripped of whitespace and clause punctuation (a token such
  as ``%。`` or `` 2020`` may straddle a span edge), score = mean probability of the
  chosen tags over the span's tokens.

Probabilities are sequences of sequences of floats (lists, tuples or numpy rows).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

Span = tuple[int, int, str, float]

#: characters stripped from both edges of a decoded span
EDGE_STRIP = frozenset(" \t\r\n\u3000\u00a0\u2581，。；：、,.;:!?！？…")


def tag_set(labels: Sequence[str]) -> list[str]:
    """BIO tags of ``labels``: ``O`` then ``B-X, I-X`` for each label in order."""
    out = ["O"]
    for lab in labels:
        out += [f"B-{lab}", f"I-{lab}"]
    return out


def windows(n: int, size: int, stride: int) -> list[tuple[int, int]]:
    """Token windows ``[start, end)`` covering ``n`` tokens; the last one ends at ``n``."""
    if size <= 0 or stride <= 0 or stride > size:
        raise ValueError(f"need 0 < stride <= size, got size={size} stride={stride}")
    if n <= size:
        return [(0, n)] if n > 0 else []
    out = []
    start = 0
    while start + size < n:
        out.append((start, start + size))
        start += stride
    out.append((n - size, n))
    return out


def softmax(row: Sequence[float]) -> list[float]:
    m = max(row)
    ex = [math.exp(x - m) for x in row]
    s = sum(ex)
    return [x / s for x in ex]


def merge_windows(n: int, parts: Sequence[tuple[int, Sequence[Sequence[float]]]],
                  how: str = "average") -> list[list[float]]:
    """One row per token from per-window rows; ``parts`` are ``(window_start, rows)``.

    Raises ValueError when a token is covered by no window.
    """
    if how not in ("average", "center"):
        raise ValueError(f"how must be 'average' or 'center', got {how!r}")
    out: list[list[float] | None] = [None] * n
    if how == "average":
        counts = [0] * n
        for start, rows in parts:
            for j, row in enumerate(rows):
                i = start + j
                if out[i] is None:
                    out[i] = [float(x) for x in row]
                else:
                    acc = out[i]
                    for k, x in enumerate(row):
                        acc[k] += float(x)
                counts[i] += 1
        for i in range(n):
            if counts[i] > 1:
                c = counts[i]
                out[i] = [x / c for x in out[i]]
    else:
        best = [-1] * n
        for start, rows in parts:
            m = len(rows)
            for j, row in enumerate(rows):
                i = start + j
                margin = min(j, m - 1 - j)
                if margin > best[i]:
                    best[i] = margin
                    out[i] = [float(x) for x in row]
    missing = [i for i, r in enumerate(out) if r is None]
    if missing:
        raise ValueError(f"tokens {missing[:5]} are covered by no window")
    return out  # type: ignore[return-value]


def merge_states(n: int, parts: Sequence[tuple[int, Any]], hidden: int):
    """[n, hidden] float32 numpy: the encoder states of overlapping windows averaged (as
    ``merge_windows`` averages their probabilities); ``parts`` are ``(window_start, [len, hidden])``."""
    import numpy as np

    sums = np.zeros((n, hidden), dtype=np.float32)
    counts = np.zeros((n, 1), dtype=np.float32)
    for s, h in parts:
        k = min(len(h), n - s)
        sums[s:s + k] += np.asarray(h[:k], dtype=np.float32)
        counts[s:s + k] += 1
    return sums / np.maximum(counts, 1)


def length_batches(wins: Sequence[tuple[int, int, Sequence[int]]], max_batch_tokens: int) -> Iterator[list[int]]:
    """Indices of ``wins`` (``(text, start, ids)``) in length-sorted chunks of at most
    ``max_batch_tokens`` padded tokens each (a chunk's last window is its longest)."""
    order = sorted(range(len(wins)), key=lambda i: len(wins[i][2]))
    i = 0
    while i < len(order):
        j = i + 1
        while j < len(order) and (j - i + 1) * len(wins[order[j]][2]) <= max_batch_tokens:
            j += 1
        yield order[i:j]
        i = j


def clean_offsets(offsets: Sequence[Sequence[int]]) -> list[tuple[int, int]]:
    """Offsets with empty ``(s, s)`` for special tokens and for a token whose range overlaps
    the next token's (the leading ``▁`` piece): such tokens are ignored in training and
    decoding."""
    out = [(int(s), int(e)) for s, e in offsets]
    for i, (s, e) in enumerate(out):
        if e <= s:
            out[i] = (s, s)
            continue
        if i + 1 < len(out):
            ns, ne = out[i + 1]
            if ne > ns and ns < e:
                out[i] = (s, s)
    return out


def strip_span(text: str, start: int, end: int, strip=EDGE_STRIP) -> tuple[int, int]:
    while start < end and text[start] in strip:
        start += 1
    while end > start and text[end - 1] in strip:
        end -= 1
    return start, end


def _argmax(row: Sequence[float]) -> int:
    best, bi = row[0], 0
    for k in range(1, len(row)):
        if row[k] > best:
            best, bi = row[k], k
    return bi


def decode_bio(probs: Sequence[Sequence[float]], tags: Sequence[str],
               offsets: Sequence[Sequence[int]], text: str | None = None,
               min_score: float = 0.0) -> list[Span]:
    """Spans ``(start, end, label, score)`` from per-token tag probabilities.

    ``offsets`` are the tokens' character offsets (cleaned, see ``clean_offsets``); a
    token with an empty range is skipped. With ``text`` the span edges are stripped of
    whitespace and clause punctuation. Spans are sorted by start and never overlap.
    """
    if len(probs) != len(offsets):
        raise ValueError(f"{len(probs)} probability rows for {len(offsets)} tokens")
    parsed = [(t[2:], t[0]) if t != "O" else (None, "O") for t in tags]
    spans: list[Span] = []
    cur_label: str | None = None
    cur_start = cur_end = 0
    cur_probs: list[float] = []

    def close():
        if cur_label is None:
            return
        s, e = cur_start, cur_end
        if text is not None:
            s, e = strip_span(text, s, e)
        if e > s:
            sc = sum(cur_probs) / len(cur_probs)
            if sc >= min_score:
                spans.append((s, e, cur_label, sc))

    for row, (s, e) in zip(probs, offsets):
        if e <= s:
            continue
        k = _argmax(row)
        label, kind = parsed[k]
        p = float(row[k])
        if kind == "O":
            close()
            cur_label = None
        elif kind == "I" and label == cur_label:
            cur_end = max(cur_end, e)
            cur_probs.append(p)
        else:  # B, or an I that opens a span
            close()
            cur_label, cur_start, cur_end, cur_probs = label, s, e, [p]
    close()
    return spans


#: characters that end a piece for ``decode_pieces`` (ANNOTATION.md: a COMMITMENT is one
#: clause of a sentence split at ；/。; line breaks end one too)
PIECE_ENDS = frozenset("。;；!?！？\n\r")


def decode_pieces(probs: Sequence[Sequence[float]], tags: Sequence[str],
                  offsets: Sequence[Sequence[int]], text: str, threshold: float = 0.5) -> list[Span]:
    """Clause-level spans of a one-label layer (``O, B-X, I-X``): the text is cut into pieces
    at ``PIECE_ENDS``; a piece whose tokens have a mean inside-probability ``P(B) + P(I)`` of
    at least ``threshold`` is a span, from its first token with an inside-probability of
    0.5 or more (else its first token) to its end, edges stripped. Score = that mean.

    Greedy BIO decoding cuts a long clause into fragments wherever one token dips below
    its ``I`` tag; a whole-piece decision does not.
    """
    if len(probs) != len(offsets):
        raise ValueError(f"{len(probs)} probability rows for {len(offsets)} tokens")
    labels = [t[2:] for t in tags if t != "O"]
    if not labels or len(set(labels)) != 1:
        raise ValueError(f"decode_pieces needs one label's O/B/I tags, got {list(tags)}")
    label = labels[0]
    inside = [k for k, t in enumerate(tags) if t != "O"]
    spans: list[Span] = []
    toks = [(int(s), int(e), sum(float(row[k]) for k in inside)) for row, (s, e) in zip(probs, offsets) if e > s]
    j, n, pos = 0, len(text), 0
    while pos < n:
        end = pos
        while end < n and text[end] not in PIECE_ENDS:
            end += 1
        piece = []
        while j < len(toks) and toks[j][0] < end:
            if toks[j][1] > pos:
                piece.append(toks[j])
            j += 1
        if piece:
            mean = sum(p for _, _, p in piece) / len(piece)
            if mean >= threshold:
                first = next((s for s, _, p in piece if p >= 0.5), piece[0][0])
                s, e = strip_span(text, max(first, pos), end)
                if e > s:
                    spans.append((s, e, label, mean))
        if j > 0 and j <= len(toks) and toks[j - 1][1] > end:  # a token across the piece end
            j -= 1
        pos = end + 1
    return spans
