"""The learned relation extractor (govie.model.relations, training/train_relations.py).

Candidate generation, decoding and the merge policy need no torch; the rest builds a tiny
randomly initialised 2-layer x 32 BERT tagger directory, trains the relation head for a
few steps on invented sentences and checks predict / save / load / the pipeline hook.
All sentences here are invented for these tests.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from govie.model import relations as R
from govie.types import Entity, Relation


def ents(text: str, spec) -> list[Entity]:
    """Entities e1.. from (needle, label[, occurrence]) triples (occurrence counts from 0)."""
    out = []
    for n, item in enumerate(spec, 1):
        needle, label = item[0], item[1]
        occ = item[2] if len(item) > 2 else 0
        s = -1
        for _ in range(occ + 1):
            s = text.find(needle, s + 1)
        assert s >= 0, needle
        out.append(Entity(f"e{n}", s, s + len(needle), label, needle))
    return out


# (text, entities, expected candidate pairs as (head text, tail text, label))
CANDIDATE_CASES = [
    ("本局收到申请12件，答复来信5件。",
     [("申请", "SUBJECT"), ("12件", "COUNT"), ("来信", "SUBJECT"), ("5件", "COUNT")],
     {("12件", "申请", "count_of"), ("12件", "来信", "count_of"), ("5件", "申请", "count_of"),
      ("5件", "来信", "count_of")}),
    # a sentence end between count and subject: no pair across it
    ("本局收到申请12件。来信5件。",
     [("申请", "SUBJECT"), ("12件", "COUNT"), ("来信", "SUBJECT"), ("5件", "COUNT")],
     {("12件", "申请", "count_of"), ("5件", "来信", "count_of")}),
    # nor across a line break
    ("收到申请\n12件",
     [("申请", "SUBJECT"), ("12件", "COUNT")], set()),
    # a deadline nested in its commitment, a target nested too
    ("我们将于2024年6月底前完成不少于3个平台的改版。",
     [("将于2024年6月底前完成不少于3个平台的改版", "COMMITMENT"), ("2024年6月底前", "DATE"), ("不少于3个", "COUNT")],
     {("将于2024年6月底前完成不少于3个平台的改版", "2024年6月底前", "deadline"),
      ("将于2024年6月底前完成不少于3个平台的改版", "不少于3个", "target")}),
    # a governing date before the commitment, on the same line
    ("2025年,本单位将上线新系统。",
     [("2025年", "DATE"), ("本单位将上线新系统", "COMMITMENT")],
     {("本单位将上线新系统", "2025年", "deadline")}),
    # a target must be inside the commitment
    ("要完成改版,另有5个。",
     [("要完成改版", "COMMITMENT"), ("5个", "COUNT")], set()),
    # title then number, and number on the next line after a title
    ("印发《样本工作要点》(样政办〔2023〕7号)。",
     [("样本工作要点", "TITLE"), ("样政办〔2023〕7号", "DOC_NO")],
     {("样政办〔2023〕7号", "样本工作要点", "doc_title")}),
    ("关于印发《样本办法》的通知\n样府发〔2022〕15号",
     [("样本办法", "TITLE"), ("样府发〔2022〕15号", "DOC_NO")],
     {("样府发〔2022〕15号", "样本办法", "doc_title")}),
    # a number far from any title
    ("依据《样本条例》,本机关按照相关程序和已有规定继续办理了全部事项(样府发〔2022〕15号)。",
     [("样本条例", "TITLE"), ("样府发〔2022〕15号", "DOC_NO")], set()),
    # nothing to pair
    ("无关的一句话。", [], set()),
]


@pytest.mark.parametrize("text,spec,expected", CANDIDATE_CASES)
def test_candidates(text, spec, expected):
    es = ents(text, spec)
    got = {(p.head.text, p.tail.text, p.label) for p in R.candidates(text, es)}
    assert got == expected
    for p in R.candidates(text, es):
        assert (p.head.label, p.tail.label) == R.PAIRS[p.label]
        assert len(p.feats) == R.N_CHEAP


def test_candidate_window_is_configurable():
    text = "收到申请," + "中" * 30 + "12件。"
    es = ents(text, [("申请", "SUBJECT"), ("12件", "COUNT")])
    assert R.candidates(text, es) != []
    assert R.candidates(text, es, max_gap={"count_of": 10}) == []


def test_cheap_features_rank_and_order():
    text = "本局收到申请12件，答复来信5件。"
    es = ents(text, [("申请", "SUBJECT"), ("12件", "COUNT"), ("来信", "SUBJECT"), ("5件", "COUNT")])
    pairs = {(p.head.text, p.tail.text): p.feats for p in R.candidates(text, es)}
    nl = len(R.REL_LABELS)
    near, far = pairs[("12件", "申请")], pairs[("12件", "来信")]
    assert near[nl + 1] == 1.0 and far[nl + 2] == 1.0  # tail before / after the head
    rank0 = nl + 3 + len(R._GAP_EDGES) + 1 + 6
    assert near[rank0] == 1.0 and far[rank0] == 0.0  # the nearest tail has rank 0


DECODE_CASES = [
    # scores, thresholds, expected (head, tail) picks
    ([0.9, 0.6], {"count_of": 0.5}, {("e2", "e1")}),
    ([0.4, 0.7], {"count_of": 0.5}, {("e2", "e3")}),
    ([0.4, 0.45], {"count_of": 0.5}, set()),
    ([0.4, 0.45], {"count_of": 0.3}, {("e2", "e3")}),
]


@pytest.mark.parametrize("scores,th,expected", DECODE_CASES)
def test_decode_one_subject_per_count(scores, th, expected):
    text = "申请12件来信"
    es = ents(text, [("申请", "SUBJECT"), ("12件", "COUNT"), ("来信", "SUBJECT")])
    pairs = R.candidates(text, es)
    assert [(p.head.id, p.tail.id) for p in pairs] == [("e2", "e1"), ("e2", "e3")]
    got = R.decode(pairs, scores, th)
    assert {(h, t) for h, t, _, _ in got} == expected
    assert all(lab == "count_of" and 0 <= s <= 1 for _, _, lab, s in got)


def test_decode_targets_are_not_exclusive():
    text = "要使甲类不少于3个、乙类不少于5个"
    es = ents(text, [(text, "COMMITMENT"), ("不少于3个", "COUNT"), ("不少于5个", "COUNT")])
    pairs = R.candidates(text, es)
    got = R.decode(pairs, [0.8] * len(pairs), {"target": 0.5})
    assert {(h, t, lab) for h, t, lab, _ in got} == {("e1", "e2", "target"), ("e1", "e3", "target")}


# ----------------------------------------------------------------------------- merge policy
RULE = [Relation("c1", "s1", "count_of"), Relation("c2", "s2", "count_of"), Relation("d1", "t1", "doc_title")]
MODEL = [("c1", "s1", "count_of", 0.9), ("c2", "s9", "count_of", 0.8), ("c3", "s3", "count_of", 0.7),
         ("d1", "t1", "doc_title", 0.95), ("m1", "x1", "deadline", 0.6)]
MERGE_CASES = [
    (None, {("c1", "s1"), ("c2", "s2"), ("d1", "t1")}),
    ({}, {("c1", "s1"), ("c2", "s2"), ("d1", "t1")}),
    ({"count_of": "rules"}, {("c1", "s1"), ("c2", "s2"), ("d1", "t1")}),
    ({"count_of": "model"}, {("c1", "s1"), ("c2", "s9"), ("c3", "s3"), ("d1", "t1")}),
    ({"count_of": "fill"}, {("c1", "s1"), ("c2", "s2"), ("c3", "s3"), ("d1", "t1")}),
    ({"count_of": "intersect"}, {("c1", "s1"), ("d1", "t1")}),
    ({"count_of": "union"}, {("c1", "s1"), ("c2", "s2"), ("c2", "s9"), ("c3", "s3"), ("d1", "t1")}),
    ({"count_of": {"source": "fill"}, "deadline": "model"},
     {("c1", "s1"), ("c2", "s2"), ("c3", "s3"), ("d1", "t1"), ("m1", "x1")}),
    ({"doc_title": "model", "count_of": "model"}, {("c1", "s1"), ("c2", "s9"), ("c3", "s3"), ("d1", "t1")}),
]


@pytest.mark.parametrize("policy,expected", MERGE_CASES)
def test_merge_relations(policy, expected):
    got = R.merge_relations(RULE, MODEL, policy)
    assert {(r.head, r.tail) for r in got} == expected
    assert len(got) == len({(r.label, r.head, r.tail) for r in got})  # no duplicates
    assert all(isinstance(r, Relation) for r in got)


def test_merge_order_rules_first_then_additions():
    got = R.merge_relations(RULE, MODEL, {"count_of": "fill", "deadline": "union"})
    assert got[:3] == RULE
    assert [(r.head, r.tail) for r in got[3:]] == [("c3", "s3"), ("m1", "x1")]


def test_merge_keeps_model_scores_and_rejects_bad_source():
    got = R.merge_relations([], MODEL[:1], {"count_of": "model"})
    assert got == [Relation("c1", "s1", "count_of", 0.9)]
    with pytest.raises(ValueError):
        R.merge_relations(RULE, MODEL, {"count_of": "bogus"})


@pytest.mark.parametrize("policy,uses", [(None, False), ({}, False), ({"count_of": "rules"}, False),
                                         ({"count_of": "rules", "target": "fill"}, True),
                                         ({"deadline": {"source": "model"}}, True)])
def test_uses_model(policy, uses):
    assert R.uses_model(policy) is uses


def test_refine_without_relation_weights_is_identity(tmp_path):
    class FakeTagger:
        model_dir = tmp_path

    rels = [Relation("a", "b", "count_of")]
    assert R.refine(FakeTagger(), None, [], rels) == rels


# ----------------------------------------------------------------------------- with torch
# (text, entities, relations as (head index, tail index, label)) -- invented sentences
TRAIN = [
    ("本局收到申请12件，答复来信5件。",
     [("申请", "SUBJECT"), ("12件", "COUNT"), ("来信", "SUBJECT"), ("5件", "COUNT")],
     [(1, 0, "count_of"), (3, 2, "count_of")]),
    ("全年发布通知48条，举办培训3场。",
     [("通知", "SUBJECT"), ("48条", "COUNT"), ("培训", "SUBJECT"), ("3场", "COUNT")],
     [(1, 0, "count_of"), (3, 2, "count_of")]),
    ("我们将于2024年6月底前完成平台改版。",
     [("将于2024年6月底前完成平台改版", "COMMITMENT"), ("2024年6月底前", "DATE")], [(0, 1, "deadline")]),
    ("印发《工作要点》(示政办〔2023〕7号)。",
     [("工作要点", "TITLE"), ("示政办〔2023〕7号", "DOC_NO")], [(1, 0, "doc_title")]),
    ("受理复议案件6件，诉讼案件2件。",
     [("复议案件", "SUBJECT"), ("6件", "COUNT"), ("诉讼案件", "SUBJECT"), ("2件", "COUNT")],
     [(1, 0, "count_of"), (3, 2, "count_of")]),
    ("要在2025年底前上线不少于3个新系统。",
     [("要在2025年底前上线不少于3个新系统", "COMMITMENT"), ("2025年底前", "DATE"), ("不少于3个", "COUNT")],
     [(0, 1, "deadline"), (0, 2, "target")]),
]


def _docs():
    from govie.types import Document

    out = []
    for i, (text, spec, rels) in enumerate(TRAIN):
        es = ents(text, spec)
        rr = tuple(Relation(es[h].id, es[t].id, lab) for h, t, lab in rels)
        out.append(Document(text=text, entities=tuple(es), relations=rr, id=f"t{i}"))
    return out


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory) -> Path:
    """A govie tagger directory with a random 2-layer x 32 BERT and a character tokenizer."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("tokenizers")
    pytest.importorskip("safetensors")
    from safetensors.torch import save_file
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers
    from transformers import BertConfig

    from govie.model.tagger import FORMAT, build_net, pack_state

    d = tmp_path_factory.mktemp("tiny_rel")
    chars = sorted({c for text, _, _ in TRAIN for c in text} | set("0123456789年月日前件条号。，"))
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for c in chars:
        vocab.setdefault(c, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.save(str(d / "tokenizer.json"))
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=128, pad_token_id=1)
    cfg.save_pretrained(str(d))
    labels_a = ["DOC_NO", "TITLE", "DATE", "COUNT", "SUBJECT"]
    tags = lambda labs: ["O"] + [f"{p}-{lab}" for lab in labs for p in "BI"]
    gcfg = {"format": FORMAT, "layers": {"a": {"labels": labels_a, "tags": tags(labels_a)},
                                         "b": {"labels": ["COMMITMENT"], "tags": tags(["COMMITMENT"])}},
            "window": 32, "stride": 24, "cls_id": 0, "sep_id": 2, "pad_id": 1,
            # the tagger never wins here: hybrid entities are the rules'
            "hybrid_policy": {lab: {"policy": "rules"} for lab in [*labels_a, "COMMITMENT"]}}
    (d / "govie.json").write_text(json.dumps(gcfg), encoding="utf-8")
    net = build_net(cfg, gcfg)
    save_file(pack_state(net.state_dict(), "fp32"), str(d / "model.safetensors"))
    return d


@pytest.fixture(scope="module")
def trained(tiny_dir, tmp_path_factory):
    """(model dir with relations.*, the training cases) after a short head training."""
    import torch

    from govie.model.tagger import Tagger
    from training import train_relations as T

    torch.set_num_threads(1)
    tagger = Tagger.load(tiny_dir)
    docs = _docs()
    states = dict(zip([d.id for d in docs], R.token_states(tagger, [d.text for d in docs])))
    cases = [T.make_case(d, list(d.entities), [], states[d.id], R.MAX_GAP) for d in docs]
    head = T.train_head(cases, epochs=60, lr=3e-3, width=32, dropout=0.0, seed=1, log=lambda m: None,
                        batch_size=16)
    out = tmp_path_factory.mktemp("tiny_rel_out")
    cfg = {"format": R.FORMAT, "labels": list(R.REL_LABELS), "in_dim": int(cases[0].feats.shape[1]),
           "width": 32, "dropout": 0.0, "max_gap": R.MAX_GAP, "thresholds": dict.fromkeys(R.REL_LABELS, 0.5),
           "policy": {"count_of": "model", "deadline": "model", "target": "model", "doc_title": "model"},
           "encoder_sha256": R.file_sha256(tiny_dir / "model.safetensors")}
    T.write_model(out, tiny_dir, head, cfg)
    return out, cases


def test_token_states_cover_every_token(tiny_dir):
    from govie.model.tagger import Tagger

    tagger = Tagger.load(tiny_dir)
    long = "本局收到申请12件。" * 9  # several 32-token windows
    (offs, st), (_, st2) = R.token_states(tagger, [long, "来信5件"])
    assert st.shape == (len(offs), 32) and st2.shape == (4, 32)
    assert float(abs(st).sum(1).min()) > 0  # every token got a state from some window
    pool = R.SpanPooler(offs, st)
    assert pool.tokens(2, 4) == [2, 3]
    assert pool.mean(2, 4).shape == (32,)


def test_head_learns_training_pairs(trained):
    out, _ = trained
    from govie.model.tagger import Tagger

    rm = R.RelationModel.load(out)
    assert isinstance(rm.tagger, Tagger) and rm.policy["count_of"] == "model"
    hit = total = 0
    for doc in _docs():
        pred = rm.predict(doc.text, doc.entities)
        by_id = {e.id: e for e in doc.entities}
        for h, t, lab, s in pred:  # valid pairs with the right label types
            assert (by_id[h].label, by_id[t].label) == R.PAIRS[lab] and 0.0 <= s <= 1.0
        heads = [(h, lab) for h, _, lab, _ in pred if lab in R.SINGLE_TAIL]
        assert len(heads) == len(set(heads))  # one tail per COUNT / DOC_NO / deadline
        got = {(h, t, lab) for h, t, lab, _ in pred}
        gold = {(r.head, r.tail, r.label) for r in doc.relations}
        hit += len(got & gold)
        total += len(gold)
    assert hit / total >= 0.75, (hit, total)


def test_load_refuses_another_encoder(trained, tmp_path):
    import shutil

    out, _ = trained
    other = tmp_path / "other"
    shutil.copytree(out, other)
    cfg = json.loads((other / R.CONFIG).read_text(encoding="utf-8"))
    cfg["encoder_sha256"] = "0" * 64
    (other / R.CONFIG).write_text(json.dumps(cfg), encoding="utf-8")
    with pytest.raises(ValueError, match="another encoder"):
        R.RelationModel.load(other)
    import govie

    with warnings.catch_warnings(record=True) as caught:  # the pipeline falls back to rules
        warnings.simplefilter("always")
        doc = govie.extract(TRAIN[0][0], mode="hybrid", model_dir=str(other))
    assert any("relation model not used" in str(w.message) for w in caught)
    rules = govie.extract(TRAIN[0][0], mode="rules")
    assert [r.to_dict() for r in doc.relations] == [r.to_dict() for r in rules.relations]


def test_pipeline_applies_the_policy(trained, tiny_dir):
    import govie

    out, _ = trained
    text = "本局收到申请12件，答复来信5件。"
    plain = govie.extract(text, mode="hybrid", model_dir=str(tiny_dir))  # no relations.*: rules
    rules = govie.extract(text, mode="rules")
    assert [r.to_dict() for r in plain.relations] == [r.to_dict() for r in rules.relations]
    doc = govie.extract(text, mode="hybrid", model_dir=str(out))
    ids = {e.id: e for e in doc.entities}
    for r in doc.relations:
        assert r.head in ids and r.tail in ids
        assert (ids[r.head].label, ids[r.tail].label) == R.PAIRS[r.label]
    model_made = [r for r in doc.relations if r.score is not None]  # policy "model" for every label
    assert model_made and len(model_made) == len(doc.relations)
    pairs = {(ids[r.head].text, ids[r.tail].text) for r in doc.relations}
    assert ("12件", "申请") in pairs, pairs
    ruled = govie.extract(text, mode="rules", model_dir=str(out))  # rules mode never uses it
    assert [r.to_dict() for r in ruled.relations] == [r.to_dict() for r in rules.relations]


def test_choose_keeps_rules_without_a_gain(trained):
    """On the training cases (rule relations = gold), no merge can beat the rules."""
    from training import train_relations as T

    _, cases = trained
    gold_rules = []
    for c in cases:
        gold_rules.append(T.DocCase(c.gold, c.entities, c.gold.relations, c.pairs, c.feats, c.y))
    import torch

    head = torch.nn.Sequential(torch.nn.Linear(cases[0].feats.shape[1], len(R.REL_LABELS)))
    T.score_cases(head, gold_rules)
    policy, thresholds, _, _ = T.choose({"oracle": gold_rules, "rules": gold_rules}, ["rules"],
                                              0.005, 2, lambda m: None)
    assert set(policy.values()) == {"rules"}
    assert set(thresholds) == set(R.REL_LABELS)


def test_kept_states_equal_a_second_encoding(tiny_dir):
    """The states the tagger keeps from its own pass are those a separate encoding gives, and
    token_states uses them instead of encoding again."""
    from govie.model.tagger import Tagger

    tagger = Tagger.load(tiny_dir)
    texts = ["本局收到申请12件。" * 9, "来信5件", ""]
    fresh = R.token_states(tagger, texts)
    tagger.keep_states = True
    tagger.predict(texts)
    assert tagger.kept_states(texts[0]) is not None and tagger.kept_states("另一段") is None
    calls = []
    orig = tagger.hidden_windows
    tagger.hidden_windows = lambda wins: calls.append(len(wins)) or orig(wins)
    kept = R.token_states(tagger, texts[:2])
    assert calls == []  # nothing encoded again
    for (o1, s1), (o2, s2) in zip(fresh, kept):
        assert o1 == o2 and s1.shape == s2.shape
        assert float(abs(s1 - s2).max()) < 1e-2  # float16 storage
    tagger.kept_bytes_max = 0  # over the budget: nothing kept, encoded on demand
    tagger.predict(texts)
    assert tagger.kept_states(texts[1]) is None
    R.token_states(tagger, texts[1:2])
    assert calls
