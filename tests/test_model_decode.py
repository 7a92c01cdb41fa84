"""BIO decoding, offsets and window merging on synthetic probabilities (no torch needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govie.hybrid import combine, merge_semantic, policy_table
from govie.model.decode import (
    clean_offsets,
    decode_bio,
    merge_windows,
    softmax,
    strip_span,
    tag_set,
    windows,
)
from govie.rules.base import Candidate

TAGS = tag_set(["DATE", "COUNT"])  # O B-DATE I-DATE B-COUNT I-COUNT


def rows(tags: list[str], p: float = 0.9) -> list[list[float]]:
    """One probability row per tag name: ``p`` on the tag, the rest spread evenly."""
    out = []
    for t in tags:
        k = TAGS.index(t)
        rest = (1 - p) / (len(TAGS) - 1)
        out.append([p if i == k else rest for i in range(len(TAGS))])
    return out


def chars(text: str) -> list[tuple[int, int]]:
    return [(i, i + 1) for i in range(len(text))]


# ----------------------------------------------------------------------------- tag set / windows
def test_tag_set():
    assert TAGS == ["O", "B-DATE", "I-DATE", "B-COUNT", "I-COUNT"]


@pytest.mark.parametrize("n,size,stride,expected", [
    (0, 4, 2, []),
    (3, 4, 2, [(0, 3)]),
    (4, 4, 2, [(0, 4)]),
    (5, 4, 2, [(0, 4), (1, 5)]),
    (9, 4, 3, [(0, 4), (3, 7), (5, 9)]),
    (10, 4, 4, [(0, 4), (4, 8), (6, 10)]),
])
def test_windows(n, size, stride, expected):
    got = windows(n, size, stride)
    assert got == expected
    covered = {i for s, e in got for i in range(s, e)}
    assert covered == set(range(n))
    assert all(e - s <= size for s, e in got)


@pytest.mark.parametrize("size,stride", [(0, 1), (4, 0), (4, 5)])
def test_windows_bad_arguments(size, stride):
    with pytest.raises(ValueError):
        windows(10, size, stride)


# ----------------------------------------------------------------------------- offsets
@pytest.mark.parametrize("offsets,expected", [
    ([(0, 0), (0, 1), (0, 1), (1, 3), (0, 0)], [(0, 0), (0, 0), (0, 1), (1, 3), (0, 0)]),  # CLS ▁ x yy SEP
    ([(0, 2), (2, 3)], [(0, 2), (2, 3)]),
    ([(4, 5), (6, 8)], [(4, 5), (6, 8)]),  # a skipped space between tokens
])
def test_clean_offsets(offsets, expected):
    assert clean_offsets(offsets) == expected


@pytest.mark.parametrize("text,start,end,expected", [
    ("收到58%。其中", 2, 6, (2, 5)),
    (" 2020年,", 0, 7, (1, 6)),
    ("、1名", 0, 3, (1, 3)),
    ("abc", 0, 3, (0, 3)),
    ("，。", 0, 2, (2, 2)),
])
def test_strip_span(text, start, end, expected):
    assert strip_span(text, start, end) == expected


# ----------------------------------------------------------------------------- BIO decoding
@pytest.mark.parametrize("text,tags,expected", [
    # plain B-I spans
    ("共收到12件", ["O", "O", "O", "B-COUNT", "I-COUNT", "I-COUNT"], [(3, 6, "COUNT")]),
    # two adjacent spans: B starts a new one
    ("5月6日", ["B-DATE", "I-DATE", "B-DATE", "I-DATE"], [(0, 2, "DATE"), (2, 4, "DATE")]),
    # an I without B opens a span (lenient)
    ("今年内", ["O", "I-DATE", "I-DATE"], [(1, 3, "DATE")]),
    # an I of another label closes the span and opens a new one
    ("ab", ["B-DATE", "I-COUNT"], [(0, 1, "DATE"), (1, 2, "COUNT")]),
    # nothing
    ("abc", ["O", "O", "O"], []),
    # a span ending at the end of the text
    ("年底", ["B-DATE", "I-DATE"], [(0, 2, "DATE")]),
    # trailing punctuation inside a tagged token is stripped
    ("达9%。", ["O", "B-COUNT", "I-COUNT", "I-COUNT"], [(1, 3, "COUNT")]),
    # a span of punctuation only disappears
    ("。，", ["B-DATE", "I-DATE"], []),
])
def test_decode_bio(text, tags, expected):
    spans = decode_bio(rows(tags), TAGS, chars(text), text)
    assert [(s, e, lab) for s, e, lab, _ in spans] == expected
    for s, e, _, score in spans:
        assert 0 <= s < e <= len(text)
        assert score == pytest.approx(0.9)


def test_decode_bio_multichar_tokens_and_skipped_tokens():
    text = "共48件申请"
    offsets = [(0, 0), (0, 1), (1, 3), (3, 4), (4, 6), (6, 6)]  # CLS, 共, 48, 件, 申请, SEP
    tags = ["B-COUNT", "O", "B-COUNT", "I-COUNT", "O", "B-DATE"]  # CLS/SEP rows are ignored
    spans = decode_bio(rows(tags), TAGS, offsets, text)
    assert [(s, e, lab) for s, e, lab, _ in spans] == [(1, 4, "COUNT")]
    assert text[1:4] == "48件"


def test_decode_bio_score_is_mean_probability():
    probs = rows(["B-COUNT", "I-COUNT"], 0.9)
    probs[1] = [0.1, 0.0, 0.0, 0.2, 0.7]
    (_s, _e, _lab, score), = decode_bio(probs, TAGS, chars("5件"), "5件")
    assert score == pytest.approx((0.9 + 0.7) / 2)


def test_decode_bio_min_score():
    assert decode_bio(rows(["B-COUNT"], 0.4), TAGS, chars("5"), "5", min_score=0.5) == []


def test_decode_bio_length_mismatch():
    with pytest.raises(ValueError):
        decode_bio(rows(["O"]), TAGS, chars("ab"), "ab")


def test_softmax():
    p = softmax([1.0, 2.0, 3.0])
    assert sum(p) == pytest.approx(1.0) and p[2] > p[1] > p[0]


# ----------------------------------------------------------------------------- window merging
def test_merge_average_over_overlap():
    a = [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    b = [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    merged = merge_windows(5, [(0, a), (2, b)], "average")
    assert merged == [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]
    merged = merge_windows(4, [(0, a), (1, b)], "average")
    assert merged[1] == [0.5, 0.5] and merged[2] == [0.0, 1.0]


def test_merge_center_most_window_wins():
    # windows [0,4) and [2,6): token 2 is 2 from the first window's start but 0 from the
    # second's -> first wins; token 3 is the first's last token -> second wins
    w1 = [[1.0, 0.0]] * 4
    w2 = [[0.0, 1.0]] * 4
    merged = merge_windows(6, [(0, w1), (2, w2)], "center")
    assert [r[0] for r in merged] == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]


def test_merge_is_deterministic_and_order_free_for_average():
    w1 = [[0.2, 0.8], [0.6, 0.4]]
    w2 = [[0.4, 0.6], [0.9, 0.1]]
    one = merge_windows(3, [(0, w1), (1, w2)], "average")
    two = merge_windows(3, [(1, w2), (0, w1)], "average")
    assert [x for r in one for x in r] == pytest.approx([x for r in two for x in r])


def test_merge_uncovered_token_raises():
    with pytest.raises(ValueError):
        merge_windows(3, [(0, [[1.0], [1.0]])])
    with pytest.raises(ValueError):
        merge_windows(1, [(0, [[1.0]])], how="max")


def test_sliding_windows_then_decode_spans_across_a_window_edge():
    """A span cut by a window edge is decoded whole after merging."""
    text = "截至2020年12月31日共"
    tags = ["O", "O"] + ["B-DATE"] + ["I-DATE"] * 10 + ["O"]
    full = rows(tags)
    parts = [(s, full[s:e]) for s, e in windows(len(text), 8, 6)]
    merged = merge_windows(len(text), parts, "average")
    spans = decode_bio(merged, TAGS, chars(text), text)
    assert [(text[s:e], lab) for s, e, lab, _ in spans] == [("2020年12月31日", "DATE")]


# ----------------------------------------------------------------------------- hybrid policy
R = [Candidate(0, 4, "DATE", "date"), Candidate(10, 12, "COUNT", "count")]
MODEL = [(0, 3, "DATE", 0.9), (20, 24, "DATE", 0.8), (10, 12, "COUNT", 0.4), (30, 33, "SUBJECT", 0.9),
         (40, 45, "COMMITMENT", 0.3)]


def _spans(cands):
    return sorted((c.start, c.end, c.label, c.rule == "model") for c in cands)


@pytest.mark.parametrize("policy,expected", [
    ("rules", [(0, 4, "DATE", False), (10, 12, "COUNT", False)]),
    ("model", [(0, 3, "DATE", True), (20, 24, "DATE", True)]),  # SUBJECT: merge_semantic's
    ("union", [(0, 4, "DATE", False), (10, 12, "COUNT", False), (20, 24, "DATE", True)]),
    ("intersect", [(0, 4, "DATE", False)]),
])
def test_combine_uniform_policies(policy, expected):
    table = {lab: {"policy": policy, "min_score": 0.5} for lab in ("DATE", "COUNT", "SUBJECT", "COMMITMENT")}
    assert _spans(combine(R, MODEL, mode="hybrid", policy=table)) == expected


def test_combine_model_mode_ignores_policy_and_threshold():
    got = _spans(combine([], MODEL, mode="model", policy={"DATE": "rules"}))
    assert got == sorted((s, e, lab, True) for s, e, lab, _ in MODEL)


def test_combine_default_policy_is_rules():
    assert _spans(combine(R, MODEL, mode="auto")) == [(0, 4, "DATE", False), (10, 12, "COUNT", False)]


def test_combine_thresholds():
    table = {"DATE": {"policy": "model", "min_score": 0.95}, "COUNT": {"policy": "model", "min_score": 0.2}}
    got = _spans(combine([], MODEL, mode="hybrid", policy=table))
    assert [g for g in got if g[2] in ("DATE", "COUNT")] == [
        (s, e, lab, True) for s, e, lab, sc in sorted(MODEL) if (lab == "DATE" and sc >= 0.95) or lab == "COUNT"]


@pytest.mark.parametrize("policy,expected", [
    (None, False),
    ({"DATE": "rules"}, False),
    ({"DATE": "intersect"}, True),
    ({"SUBJECT": {"policy": "model"}}, True),
])
def test_uses_model(policy, expected):
    from govie.hybrid import uses_model

    assert uses_model(policy) is expected


def test_auto_mode_skips_a_model_whose_policy_is_rules(tmp_path):
    import json

    from govie.model import worth_loading

    (tmp_path / "govie.json").write_text(json.dumps({"hybrid_policy": {"DATE": "rules"}}), encoding="utf-8")
    assert worth_loading(tmp_path, "auto") is False
    assert worth_loading(tmp_path, "hybrid") is True
    (tmp_path / "govie.json").write_text(json.dumps({"hybrid_policy": {"DATE": "union"}}), encoding="utf-8")
    assert worth_loading(tmp_path, "auto") is True


def test_combine_model_candidates_carry_score():
    (c,) = [c for c in combine([], MODEL, mode="model") if c.label == "SUBJECT"]
    assert c.rule == "model" and c.score == pytest.approx(0.9)


def test_policy_table_rejects_unknown():
    with pytest.raises(ValueError):
        policy_table({"DATE": "vote"})
    assert policy_table({"DATE": "union"})["DATE"]["policy"] == "union"


class E:  # a minimal entity stand-in
    def __init__(self, s, e, label, source="rules"):
        self.start, self.end, self.label, self.source = s, e, label, source


MODEL_SEMANTIC = [(0, 4, "SUBJECT", 0.9), (12, 15, "SUBJECT", 0.6), (20, 30, "COMMITMENT", 0.8)]


@pytest.mark.parametrize("policy,min_score,keep", [
    ("rules", 0.5, [(0, 5, "rules"), (8, 9, "rules")]),
    ("model", 0.5, [(0, 4, "model"), (12, 15, "model")]),
    ("model", 0.7, [(0, 4, "model")]),
    ("union", 0.5, [(0, 5, "rules"), (8, 9, "rules"), (12, 15, "model")]),  # rules win an overlap
    ("union", 0.7, [(0, 5, "rules"), (8, 9, "rules")]),
    ("intersect", 0.5, [(0, 5, "rules")]),
    ("intersect", 0.95, []),
])
def test_merge_semantic(policy, min_score, keep):
    semantic = [E(0, 5, "SUBJECT"), E(8, 9, "SUBJECT")]
    text = "收到申请共计三十件其中办结二十件依法公开了本年度的全部信息"
    got = merge_semantic([], semantic, mode="hybrid", policy={"SUBJECT": {"policy": policy, "min_score": min_score}},
                         model_spans=MODEL_SEMANTIC, text=text)
    assert [(e.start, e.end, e.source) for e in got if e.label == "SUBJECT"] == keep
    made = [e for e in got if e.source == "model"]
    assert all(e.text == text[e.start:e.end] and e.score is not None for e in made)
    # COMMITMENT has the default policy (rules) and no semantic span: nothing
    assert [e for e in got if e.label == "COMMITMENT"] == []


FILL_TEXT = "发布政策解读15条,政策法规公开2条,会议纪要;来信5件"


def _span(sub: str, score: float) -> tuple[int, int, str, float]:
    s = FILL_TEXT.index(sub)
    return (s, s + len(sub), "SUBJECT", score)


@pytest.mark.parametrize("model, min_score, added", [
    ([_span("政策法规公开", 0.97)], 0.9, ["政策法规公开"]),  # right before 2条, rules have none there
    ([_span("政策法规", 0.97)], 0.9, ["政策法规"]),  # 公开 between it and 2条: a gap of 2 is allowed
    ([_span("政策法规公开", 0.85)], 0.9, []),  # below the score floor
    ([_span("会议纪要", 0.99)], 0.5, []),  # no COUNT right after it (;来信 in between)
    ([_span("政策解读", 0.99)], 0.5, []),  # overlaps the rules' span
    ([_span("来信", 0.99)], 0.5, []),  # the rules have a SUBJECT of their own before 5件
])
def test_merge_semantic_fill_adds_model_subjects_only_before_unclaimed_counts(model, min_score, added):
    t = FILL_TEXT
    counts = [E(t.index(c), t.index(c) + len(c), "COUNT") for c in ("15条", "2条", "5件")]
    rules = [E(t.index("政策解读"), t.index("政策解读") + 4, "SUBJECT"), E(t.index("来信"), t.index("来信") + 2, "SUBJECT")]
    got = merge_semantic(counts, rules, mode="hybrid", policy={"SUBJECT": {"policy": "fill", "min_score": min_score}},
                         model_spans=model, text=t)
    assert [e.text for e in got if e.source == "model"] == added
    assert sum(e.source == "rules" for e in got) == 2  # the rule spans always stay


def test_merge_semantic_model_mode_drops_semantic_spans():
    got = merge_semantic([], [E(0, 5, "SUBJECT"), E(6, 8, "DATE")], mode="model", model_spans=MODEL_SEMANTIC)
    assert [(e.start, e.label) for e in got] == [(6, "DATE")]


def test_merge_semantic_new_ids_follow_the_existing_ones():
    class I(E):
        def __init__(self, ident, *a):
            super().__init__(*a)
            self.id = ident

    got = merge_semantic([I("e7", 0, 2, "DATE")], [I("e9", 30, 32, "SUBJECT")], mode="hybrid",
                         policy={"SUBJECT": "union"}, model_spans=MODEL_SEMANTIC, text="x" * 40)
    assert sorted(e.id for e in got if e.source == "model") == ["e10", "e11"]


# ----------------------------------------------------------------------------- govie train (no torch needed)
def test_cli_train_is_registered_and_explains_missing_requirements(monkeypatch, capsys):
    from govie.cli import build_parser
    from govie.cli import train as cli_train

    args = build_parser().parse_args(["train", "cfg.yaml", "--resume", "--gold", "a.jsonl", "--gold", "b"])
    assert args.config == "cfg.yaml" and args.resume and args.gold == ["a.jsonl", "b"]
    monkeypatch.setattr(cli_train, "missing_requirements", lambda: ["torch"])
    assert args._run(args) == 2
    assert "pip install 'govie[train]'" in capsys.readouterr().err


# ----------------------------------------------------------------------------- clause-piece decoding
TAGS_B = ["O", "B-COMMITMENT", "I-COMMITMENT"]


def _char_tokens(text):
    return [(i, i + 1) for i in range(len(text))]


def _rows(inside):
    """One row per character: P(B) = 0, P(I) = p, P(O) = 1 - p."""
    return [[1 - p, 0.0, p] for p in inside]


@pytest.mark.parametrize("text,inside,expected", [
    # a whole clause above the threshold, with one token dipping below: one span, not fragments
    ("下一步将继续完善目录。", [0.9, 0.9, 0.8, 0.3, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1], [(0, 10)]),
    # the low first token is left out; the span runs to the piece end, punctuation stripped
    ("一是要加强培训；二是已办结。", [0.1, 0.2, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1],
     [(2, 7)]),
    # a piece below the threshold on average: nothing
    ("收到申请十件。", [0.6, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], []),
    # pieces end at line breaks too
    ("将公开目录\n已完成", [0.9] * 5 + [0.0] + [0.1] * 3, [(0, 5)]),
])
def test_decode_pieces(text, inside, expected):
    from govie.model.decode import decode_pieces

    got = decode_pieces(_rows(inside), TAGS_B, _char_tokens(text), text)
    assert [(s, e) for s, e, _, _ in got] == expected
    assert all(lab == "COMMITMENT" and 0.5 <= sc <= 1 for _, _, lab, sc in got)


def test_decode_pieces_token_across_a_piece_end_and_empty_tokens():
    from govie.model.decode import decode_pieces

    text = "将完善。要落实"
    # an empty (special) token, then 将 / 完善。 / 。要 (overlapping, across the piece end) / 落实
    offsets = [(0, 0), (0, 1), (1, 4), (3, 5), (5, 7)]
    rows = _rows([0.0, 0.9, 0.9, 0.9, 0.9])
    got = decode_pieces(rows, TAGS_B, offsets, text)
    assert [(s, e) for s, e, _, _ in got] == [(0, 3), (4, 7)]


def test_decode_pieces_rejects_a_multi_label_layer():
    from govie.model.decode import decode_pieces, tag_set

    with pytest.raises(ValueError):
        decode_pieces([], tag_set(["DATE", "COUNT"]), [], "")


def test_shipped_model_is_found_beside_the_package_in_the_prefix_or_by_env(tmp_path, monkeypatch):
    import sys

    from govie import model as model_pkg

    monkeypatch.delenv("GOVIE_MODEL_DIR", raising=False)
    dirs = model_pkg.model_dirs()
    assert dirs[0].parts[-2:] == ("models", "govie-zh-small")  # the checkout's models/ first
    assert Path(sys.prefix) / "share" / "govie" / "models" / "govie-zh-small" in dirs  # where a wheel puts it
    monkeypatch.setenv("GOVIE_MODEL_DIR", str(tmp_path))
    assert model_pkg.model_dirs()[0] == tmp_path
    # a $GOVIE_MODEL_DIR without weights: the next directory that has them (the checkout's)
    assert model_pkg.default_model_dir() == dirs[0]
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert model_pkg.default_model_dir() == tmp_path


@pytest.mark.parametrize("base, new, significant", [
    # the same two extra true positives in most documents: a small but consistent gain
    ([(8, 10, 10)] * 40, [(9, 10, 10)] * 30 + [(8, 10, 10)] * 10, True),
    # gains in some documents, equal losses in others: no consistent gain
    ([(8, 10, 10)] * 40, [(10, 10, 10)] * 20 + [(6, 10, 10)] * 20, False),
    ([(8, 10, 10)] * 40, [(8, 10, 10)] * 40, False),  # identical
])
def test_bootstrap_gain_tells_consistent_from_noisy_gains(base, new, significant):
    pytest.importorskip("torch")  # training.train imports torch
    from training.train import bootstrap_gain

    gain, lo, hi = bootstrap_gain(base, new, samples=400)
    assert lo <= gain <= hi
    assert (gain > 0 and lo > 0) == significant
