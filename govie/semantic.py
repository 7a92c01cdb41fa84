"""The semantic layer, by rules: SUBJECT and COMMITMENT entities and the relations
``count_of`` (COUNT -> SUBJECT), ``deadline`` (COMMITMENT -> DATE) and ``target``
(COMMITMENT -> COUNT) of ANNOTATION.md.

``entities(view, entities, year)`` is called by the pipeline with the rule entities
(original offsets) and returns new SUBJECT and COMMITMENT entities whose ids continue
after the largest ``eN`` id given.  ``relations(entities, text)`` is called by
``govie.relate.link`` with every entity and returns the three relation kinds; it
re-derives which SUBJECT each COUNT counts with the same finder, so it also links
SUBJECT spans that came from elsewhere (a model, a gold file) when they overlap.

Lexicons and patterns are data: ``govie/semantic_rules/subject.yaml``,
``commitment.yaml`` and ``sections.tsv``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml

try:  # the regex parser, for the first-character gates below
    from re import _constants as _C
    from re import _parser as _P
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _C  # type: ignore[no-redef]
    import sre_parse as _P  # type: ignore[no-redef]

from .rules.table_lines import is_table_line
from .segment import Sentence, segment, table_lines
from .text import TextView
from .types import Entity, Relation

_BOUNDARY_LABELS = ("COUNT", "DATE", "DOC_NO", "TITLE")
_REPEATS = tuple(op for op in (getattr(_C, n, None) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"))
                 if op is not None)
_OPEN_CLOSE = {"“": "”", "(": ")", "《": "》", "「": "」", "‘": "’", "【": "】"}


#: patterns used in the code below (compiled once, not looked up per call)
_IS_HAS = re.compile(r"为|是|有")
_TITLE_GAP = re.compile(r"》?\s*(?:共|计|达)?")
_BEFORE_WORD = re.compile(r"前|之前|底前")
_DUTY_NOTE = re.compile(r"牵头|负责|责任单位|配合|此件|主动公开")
_CUT_TO = re.compile(r"(?:缩短|压缩|压减|减少|降低|控制)(?:至|到|在)\s*$")
_GOAL_BEFORE = re.compile(r"(?:不少于|不低于|至少|达到|超过|力争|确保|每[年季月周][^,;。]{0,8})\s*$")
_NAME_AFTER_DATE = re.compile(r"(?:度|年)?(?:工作|政府|政务|报告|要点|年度报告|以来)")
_BY_BEFORE = re.compile(r"(?:到|于|在|至|截至|力争|争取|确保)\s*$")
_PERIOD_WORD = re.compile(r"年内|年底|今年|全年|上半年|下半年|季度|月底|年度")
_ENTITY_ID = re.compile(r"e(\d+)")


# ----------------------------------------------------------------------------- rule tables
def _read(name: str) -> str:
    return resources.files("govie").joinpath("semantic_rules", name).read_text(encoding="utf-8")


def _first_chars(seq) -> tuple[list[str] | None, bool]:
    """Character-class items one of which every match of the parsed ``seq`` starts with, and
    whether ``seq`` can match the empty string; ``(None, _)`` when that is not known."""
    chars: list[str] = []
    for op, av in seq:
        if op is _C.LITERAL:
            chars.append(re.escape(chr(av)))
            return chars, False
        if op is _C.IN:
            for o, a in av:
                if o is _C.LITERAL:
                    chars.append(re.escape(chr(a)))
                elif o is _C.RANGE:
                    chars.append(re.escape(chr(a[0])) + "-" + re.escape(chr(a[1])))
                else:  # NEGATE, CATEGORY (\d, \s ...): give up
                    return None, False
            return chars, False
        if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
            continue  # zero-width: the match starts with what follows
        if op is _C.SUBPATTERN:
            if av[1] & re.IGNORECASE:
                return None, False
            c, nullable = _first_chars(av[3])
        elif op is _C.BRANCH:
            c, nullable = [], False
            for alt in av[1]:
                c2, n2 = _first_chars(alt)
                if c2 is None:
                    return None, False
                c += c2
                nullable = nullable or n2
        elif op in _REPEATS:
            c, nullable = _first_chars(av[2])
            nullable = nullable or av[0] == 0
        else:  # ANY, NOT_LITERAL, group references ...: give up
            return None, False
        if c is None:
            return None, False
        chars += c
        if not nullable:
            return chars, False
    return chars, True


class _Gated:
    """A compiled pattern whose whole-string ``search`` first finds, with one character-class
    scan, the first character some match could start with, and searches from there (the
    alternations of the cue tables start with look-behinds, which keep ``re`` from skipping
    ahead itself).  No match can start before that character; look-behinds and ``\\b`` still
    see the text before it and ``^`` still means the real start, so results are those of
    ``rx.search(string)``.  Everything else is delegated to the pattern."""

    __slots__ = ("gate", "rx")

    def __init__(self, rx: re.Pattern, gate: re.Pattern):
        self.rx = rx
        self.gate = gate

    def search(self, string: str, *args):
        if args:
            return self.rx.search(string, *args)
        m = self.gate.search(string)
        return self.rx.search(string, m.start()) if m is not None else None

    def __getattr__(self, name):
        return getattr(self.rx, name)


def _gated(rx: re.Pattern):
    """``rx`` behind a first-character gate when one can be derived, else ``rx`` itself."""
    if rx.flags & re.IGNORECASE:
        return rx
    try:
        chars, nullable = _first_chars(_P.parse(rx.pattern, rx.flags))
    except Exception:  # pragma: no cover - an unknown parser shape: no gate
        return rx
    if chars is None or nullable or not chars:
        return rx
    return _Gated(rx, re.compile("[" + "".join(dict.fromkeys(chars)) + "]"))


def _alt(items: Iterable[str]) -> str:
    items = sorted(set(items), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(i) for i in items) + ")"


@dataclass(frozen=True)
class _SubjectRules:
    fillers: re.Pattern
    verbs: re.Pattern
    verb_noun_suffix: re.Pattern
    short_noun_suffix: re.Pattern
    verb_noun_prefix: re.Pattern
    name_verb: re.Pattern
    standalone_names: frozenset
    prenominal: frozenset
    right_stop: re.Pattern
    right_bad_start: re.Pattern
    no_subject_units: frozenset
    shared_gap: re.Pattern
    continues: re.Pattern
    nominal_verbs: frozenset
    adverb_end: re.Pattern
    suffix_verbs: frozenset
    right_bad_follow: re.Pattern
    frequency_units: frozenset
    max_left: int
    max_right: int
    noun_compound: re.Pattern | None = None
    names_after_verb: tuple = ()
    not_subjects: frozenset = frozenset()
    verb_joined: re.Pattern | None = None


@lru_cache(maxsize=1)
def subject_rules() -> _SubjectRules:
    t = yaml.safe_load(_read("subject.yaml"))
    return _SubjectRules(
        fillers=re.compile(r"(?:\s|" + _alt(t["fillers"]) + r")$"),
        verbs=re.compile(_alt(t["verbs"])),
        verb_noun_suffix=re.compile(_alt(t["verb_noun_suffixes"])),
        short_noun_suffix=re.compile(_alt(t["short_noun_suffixes"])),
        verb_noun_prefix=re.compile(_alt(t["verb_noun_prefixes"]) + "$"),
        name_verb=re.compile(_alt(t["name_verbs"]) + "$"),
        standalone_names=frozenset(t.get("standalone_name_verbs") or ()),
        prenominal=frozenset(t["prenominal_units"]),
        right_stop=re.compile(r"[\s,.:;。、()“”《》\[\]!?]|" + _alt(t["right_stops"])),
        right_bad_start=re.compile(_alt(t["right_bad_starts"])),
        no_subject_units=frozenset(t["no_subject_units"]) | frozenset(t.get("part_units") or ()),
        shared_gap=re.compile(t["shared_gap_regex"]),
        continues=re.compile(t["continue_regex"]),
        nominal_verbs=frozenset(t["nominal_verbs"]),
        adverb_end=re.compile(_alt(t["adverbs"]) + "$"),
        suffix_verbs=frozenset(t["suffix_verbs"]),
        right_bad_follow=re.compile(_alt(t["right_bad_follow"])),
        frequency_units=frozenset(t["frequency_units"]),
        max_left=int(t.get("max_left", 40)),
        max_right=int(t.get("max_right", 20)),
        names_after_verb=tuple(t.get("names_after_verb") or ()),
        not_subjects=frozenset(t.get("not_subjects") or ()),
        noun_compound=re.compile(_alt(t["noun_compounds"])) if t.get("noun_compounds") else None,
        verb_joined=re.compile(_alt(list(t.get("category_heads") or ()) + list(t.get("verb_coordinators") or ())))
        if t.get("category_heads") or t.get("verb_coordinators") else None,
    )


@dataclass(frozen=True)
class _CommitmentRules:
    future: re.Pattern
    weak: re.Pattern
    past: re.Pattern
    problem: re.Pattern
    framing: re.Pattern
    descriptive: re.Pattern
    directive: re.Pattern
    request: re.Pattern
    never: re.Pattern
    plan_past: re.Pattern
    min_length: int
    sections: tuple[tuple[re.Pattern, str], ...]


def _join(rx: Sequence[str] | str) -> re.Pattern:
    if isinstance(rx, str):
        return re.compile(rx)
    return re.compile("|".join(f"(?:{r})" for r in rx))


@lru_cache(maxsize=1)
def commitment_rules() -> _CommitmentRules:
    t = yaml.safe_load(_read("commitment.yaml"))
    sections = []
    for line in _read("sections.tsv").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rx, prior = line.split("\t")[:2]
        sections.append((re.compile(rx.strip()), prior.strip()))
    # (weak, problem, descriptive, directive are fast already or have no gate)
    return _CommitmentRules(
        future=_gated(_join(t["future_regex"])), weak=_join(t["weak_regex"]), past=_gated(_join(t["past_regex"])),
        problem=_join(t["problem_regex"]), framing=_gated(_join(t["framing_regex"])),
        descriptive=_join(t["descriptive_regex"]), directive=_join(t["directive_regex"]),
        request=_gated(_join(t["request_regex"])), never=_gated(_join(t["never_regex"])),
        plan_past=_gated(_join(t["plan_past_regex"])),
        min_length=int(t.get("min_length", 6)),
        sections=tuple(sections))


# ----------------------------------------------------------------------------- context
@dataclass
class _Context:
    view: TextView
    sentences: tuple[Sentence, ...]
    entities: list[Entity]
    #: view spans of the boundary entities, sorted
    spans: list[tuple[int, int, Entity]]
    year: int | None
    doc_type: str
    starts: list[int] = field(default_factory=list)
    sent_starts: list[int] = field(default_factory=list)
    #: ``_section_prior`` by heading chain (sentences under one heading share it)
    priors: dict = field(default_factory=dict)

    def on_table_line(self, pos: int) -> bool:
        """``_on_table_line(view.text, pos)``, one ``is_table_line`` per line (bisect, not a scan;
        shared with the merge step through ``segment.table_lines``)."""
        return table_lines(self.view.text).at(pos)

    def within(self, a: int, b: int) -> list[tuple[int, int, Entity]]:
        """The boundary spans inside view offsets ``[a, b)``."""
        starts = self.starts
        i = bisect.bisect_left(starts, a)
        j = bisect.bisect_left(starts, b, i)
        if i == j:
            return []
        return [x for x in self.spans[i:j] if x[1] <= b]


@lru_cache(maxsize=8)
def _segments(original: str) -> tuple[Sentence, ...]:
    return segment(TextView.from_text(original))


def _context(view: TextView, entities: Sequence[Entity], year: int | None, doc_type: str | None = None) -> _Context:
    spans = []
    for e in entities:
        if e.label in _BOUNDARY_LABELS:
            vs, ve = view.to_view(e.start, e.end)
            if vs < ve:
                spans.append((vs, ve, e))
    spans.sort(key=lambda x: (x[0], -x[1]))
    if doc_type is None:
        from .meta import document_type

        doc_type = document_type(view)[0]
    sents = _segments(view.original)
    return _Context(view, sents, list(entities), spans, year, doc_type,
                    [x[0] for x in spans], [x.vstart for x in sents])


def _sentence_of(ctx: _Context, vs: int, ve: int) -> Sentence | None:
    i = bisect.bisect_right(ctx.sent_starts, vs) - 1
    if i >= 0:
        s = ctx.sentences[i]
        if s.vstart <= vs and ve <= s.vend:
            return s
    return None


def _clause_of(sent: Sentence, vs: int, ve: int):
    """The first clause of ``sent`` holding view offsets ``[vs, ve)``, else None."""
    clauses = sent.clauses
    if len(clauses) <= 16:
        for c in clauses:
            if c.vstart <= vs and ve <= c.vend:
                return c
        return None
    # a long sentence (one line of comma clauses): clauses are in order and disjoint, so the
    # first one ending at or after ve is the answer if it starts at or before vs (bisect,
    # not a walk from the first clause for every COUNT)
    index = _CLAUSE_INDEX.get(id(clauses))
    if index is None or index[0] is not clauses:
        if len(_CLAUSE_INDEX) >= 1024:
            _CLAUSE_INDEX.clear()
        index = _CLAUSE_INDEX[id(clauses)] = (clauses, [c.vstart for c in clauses], [c.vend for c in clauses])
    _, starts, ends = index
    j = bisect.bisect_left(ends, ve)
    if j < len(clauses) and j < bisect.bisect_right(starts, vs):
        return clauses[j]
    return None


#: id(sentence.clauses) -> (the clauses, their vstarts, their vends); the tuple is kept, so
#: the id stays its own while the entry lives
_CLAUSE_INDEX: dict[int, tuple] = {}


def _on_table_line(text: str, pos: int) -> bool:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return is_table_line(text[a:b if b >= 0 else len(text)])


# ----------------------------------------------------------------------------- SUBJECT
@dataclass(frozen=True)
class SubjectHit:
    """What the finder says about one COUNT: a subject span (view offsets) or a shared one."""

    count: Entity
    span: tuple[int, int] | None = None  # view offsets of the subject
    shares_with: Entity | None = None  # an earlier COUNT whose subject this one counts too


_BRACKET_CHARS = re.compile("[" + re.escape("".join(k + v for k, v in _OPEN_CLOSE.items())) + "]")


def _balanced(s: str) -> bool:
    if _BRACKET_CHARS.search(s) is None:
        return True
    for o, c in _OPEN_CLOSE.items():
        if s.count(o) != s.count(c):
            return False
    return True


_NP_LEAD = ("其中", "同时", "另外", "此外", "主要", "其余", "全年", "年内", "累计", "共", "了", "的", "和", "及", "与",
            "并", "又", "还", "再", "均", "等", "对", "向", "将", "把")
_NP_LEAD_FIRST = frozenset(w[0] for w in _NP_LEAD)


def _clean_np(text: str, a: int, b: int) -> tuple[int, int]:
    """Trim separators, unbalanced brackets and lead words off ``text[a:b]``."""
    lead = _NP_LEAD
    changed = True
    while changed and a < b:
        changed = False
        while a < b and text[a] in " \t、,:;()“”\"'": 
            if text[a] in "(“" and _OPEN_CLOSE.get(text[a], "") in text[a:b]:
                break
            a += 1
            changed = True
        while b > a and text[b - 1] in " \t、,:;()“”\"'":
            if text[b - 1] in ")”" and text[b - 1] != text[a:b][:1] and \
                    {")": "(", "”": "“"}[text[b - 1]] in text[a:b - 1]:
                break
            b -= 1
            changed = True
        if a >= b or text[a] not in _NP_LEAD_FIRST:
            continue  # no lead word starts here
        for w in lead:
            if text.startswith(w, a) and b - a > len(w) + 1:
                a += len(w)
                changed = True
                break
    # unbalanced quotes/brackets left over: drop the side that opens or closes alone
    s = text[a:b]
    if not _balanced(s):
        for o, c in _OPEN_CLOSE.items():
            if s.count(c) > s.count(o) and s.startswith(c):
                a += 1
            if s.count(o) > s.count(c) and s.endswith(o):
                b -= 1
    return a, b


_HAN = re.compile(r"[\u4e00-\u9fff]")
_NP_STOP = re.compile(r"[。;!?\n]")
_NP_NUMERIC = re.compile(r"[\d\s.%,、]+")
_EXCEPT_OR_ETC = re.compile(r"除|等(?![\u4e00-\u9fff]?$)")
_LIST_TOPIC_END = re.compile(r"(?:情况|事项)$")


def _valid_np(s: str) -> bool:
    if len(s) < 2 or not _HAN.search(s):
        return False
    if _NP_STOP.search(s):
        return False
    if _NP_NUMERIC.fullmatch(s):
        return False
    if s.endswith("的"):
        return False  # 已办理的3件, 申请人为自然人的2件: a clause without its noun
    return s not in ("同比", "其中", "全年", "以上", "以下", "左右", "分别", "合计", "总计", "年度", "本年",
                     "相比", "相较", "数量")


#: verbs of publishing, whose 工作… after them is their object (发布工作动态), unlike 审查工作简报
_PUBLISH_VERBS = frozenset(("发布", "公布"))
#: activity verbs that modify a noun after them (原创解读产品, 提案答复信息, 信访投诉件)
_MODIFIER_VERBS = frozenset(("解读", "答复", "访谈", "调查", "培训", "咨询", "投诉", "举报", "复议", "诉讼", "评估"))


_NOTE_OPEN = ("(含", "(包括", "(包含", "（含", "（包括", "（包含")


def _drop_note(text: str, a: int, b: int) -> int:
    """The end of ``text[a:b]`` without a closing note in brackets (预算部门(含乡镇、开发区))."""
    if b - a < 4 or text[b - 1] not in ")）":
        return b
    k = max(text.rfind("(", a, b - 1), text.rfind("（", a, b - 1))
    if k - a >= 2 and text.startswith(_NOTE_OPEN, k):
        return k
    return b


def _left_np(ctx: _Context, L: str, base: int) -> tuple[int, int] | None:
    """The subject in ``L`` (view text left of a COUNT, starting at view offset ``base``)."""
    r = subject_rules()
    text = ctx.view.text
    # strip fillers between the noun phrase and the number
    end = len(L)
    while end > 0:
        m = r.fillers.search(L[:end])
        if not m or m.start() >= end:
            break
        end = m.start()
    if end <= 0:
        return None
    end = _drop_note(L, 0, end)  # 79个预算部门(含乡镇): the note in brackets is no part of the subject
    # ……、其他需要报告的事项等六部分: the number sums up a list, the list is no subject
    if L.count("、") >= 2 and _LIST_TOPIC_END.search(L[:end]):
        return None
    if L[end - 1] == "等":
        # 发布政策解读、工作动态等共计158条: the list before 等 is what is counted
        end -= 1
        if end <= 0 or "、" not in L[:end]:
            return None
    # a title just before the number: 编制《廊坊市人民政府公报》4期
    if L[end - 1] == "》":
        k = L.rfind("《", 0, end - 1)
        if k >= 0 and end - 1 - (k + 1) >= 2:
            return base + k + 1, base + end - 1
    # a result category named by a verb phrase (予以公开, 不予处理, 依申请公开) ends the phrase: the
    # words before it count only up to the last boundary (政府新收依申请公开数量为2件)
    m = r.name_verb.search(L, 0, end)
    if m and m.group() in r.standalone_names:
        a, b = _clean_np(text, base + m.start(), base + end)  # 新浪微博发文2900余条
        return (a, b) if _valid_np(text[a:b]) else None
    scan_end = m.start() if m else end
    # the phrase starts after the last verb or boundary word
    start = 0
    # (not after an adverb: 全年共主动公开文件99条 has the verb 主动公开)
    compounds = [cm.span() for cm in r.noun_compound.finditer(L, 0, scan_end)
                 if not r.adverb_end.search(L, 0, cm.start())] if r.noun_compound else ()
    for vm in r.verbs.finditer(L, 0, scan_end):
        vs, ve = vm.start(), vm.end()
        verb = vm.group()
        if r.verb_noun_prefix.search(L, 0, vs):
            continue  # 依申请公开, 予以公开, 不予处理: part of a noun
        if compounds and any(a <= vs and ve <= b for a, b in compounds):
            continue  # 组织机构, 公示公告: a noun that holds a verb
        if start and any(L.startswith(w, start) and ve <= start + len(w) for w in r.names_after_verb):
            continue  # 发布主动公开文件: a category name right after the verb
        if r.verb_joined is not None and ve < scan_end and r.verb_joined.match(L, ve):
            continue  # 机构设置类信息, 资格认定及补贴发放类信息: the verb is part of the noun
        pre = L[start:vs]
        # 机构设置1条, 原创解读产品42个: an activity verb after a modifier is part of the noun
        nominal = verb in r.nominal_verbs and pre.strip() and not r.adverb_end.search(pre) \
            and not r.verbs.search(pre[-2:])
        if ve >= end:
            # a verb right before the number: 收到9件…… leaves nothing on the left
            if nominal:
                continue
            return None
        if nominal and verb in _MODIFIER_VERBS:
            continue
        if verb in r.suffix_verbs:
            sm = (r.verb_noun_suffix if verb == "公开" else r.short_noun_suffix).match(L, ve)
            # 信息发布工作 names an activity; 发布工作信息 / 发布工作动态 has 工作… as its object
            if sm and not (verb in _PUBLISH_VERBS and sm.group() == "工作" and sm.end() < end and _HAN.match(L, sm.end())):
                continue
        if end - ve < 2:
            continue  # 转办件85件: a verb that leaves a single character is part of the noun
        start = ve
    if m:
        for bm in _IS_HAS.finditer(L[:m.start()]):
            start = max(start, bm.end())  # 办理结果为予以公开2件
    # 除X外 / 等X: the phrase starts after 除 and after 等 (unless only a head noun follows 等)
    for bm in _EXCEPT_OR_ETC.finditer(L[:end]):
        if bm.group() == "等" and end - bm.end() <= 2:
            continue
        start = max(start, bm.end())
    if end - start > r.max_left:
        start = end - r.max_left
    a, b = _clean_np(text, base + start, base + end)
    if a >= b or text[a:b] in r.not_subjects:
        return None
    return (a, b) if _valid_np(text[a:b]) else None


def _right_np(ctx: _Context, pos: int, limit: int) -> tuple[int, int] | None:
    r = subject_rules()
    text = ctx.view.text
    a = pos
    while a < limit and text[a] == " ":
        a += 1
    if a >= limit or r.right_bad_start.match(text, a):
        return None
    b = a
    stop = min(limit, a + r.max_right + 1)
    depth = 0
    while b < stop:
        ch = text[b]
        if ch in "“(" :
            depth += 1
        elif ch in "”)" and depth:
            depth -= 1
            b += 1
            continue
        if depth == 0 and b > a and r.right_stop.match(text, b):
            break
        if depth == 0 and b == a and ch in " ,.:;。、()!?":
            return None
        b += 1
    if b - a > r.max_right:
        return None
    if r.right_bad_follow.match(text, b):
        return None  # 2件办理结果为主动公开: a topic, not what is counted
    a, b = _clean_np(text, a, _drop_note(text, a, b))
    if a < b and r.verbs.match(text, a) and text[a:a + 2] not in r.nominal_verbs:
        return None  # 1件结转……, 3件经一审法院裁定……: a verb follows the number
    return (a, b) if a < b and _valid_np(text[a:b]) else None


_HIT_CACHE: dict[tuple, list[SubjectHit]] = {}


def subject_hits(ctx: _Context) -> list[SubjectHit]:
    """For every prose COUNT: its subject span, or the earlier COUNT it shares one with.

    The result depends only on the text and the boundary entities, so the pipeline's two
    calls (``entities`` then ``relations``) share one computation.
    """
    key = (ctx.view.original, tuple((vs, ve, e.label, e.id) for vs, ve, e in ctx.spans))
    hit = _HIT_CACHE.get(key)
    if hit is None:
        hit = _subject_hits(ctx)
        if len(_HIT_CACHE) >= 4:
            _HIT_CACHE.pop(next(iter(_HIT_CACHE)))
        _HIT_CACHE[key] = hit
    return list(hit)


def _subject_hits(ctx: _Context) -> list[SubjectHit]:
    r = subject_rules()
    text = ctx.view.text
    hits: list[SubjectHit] = []
    by_count: dict[str, SubjectHit] = {}
    spans = ctx.spans
    for i, (vs, ve, e) in enumerate(spans):
        if e.label != "COUNT":
            continue
        if ctx.on_table_line(vs):
            continue
        sent = _sentence_of(ctx, vs, ve)
        if sent is None or sent.kind == "table":
            continue
        unit = getattr(e.value, "unit", None) if e.value is not None else None
        if unit in r.no_subject_units:
            continue
        clause = _clause_of(sent, vs, ve)
        cstart = clause.vstart if clause else sent.vstart
        cend = clause.vend if clause else sent.vend
        # the previous boundary entity in the sentence and the next one in the clause
        prev = None
        for j in range(i - 1, -1, -1):
            ps, pe, pent = spans[j]
            if pe <= vs:
                if ps >= sent.vstart:
                    prev = (ps, pe, pent)
                break
        nxt = cend
        for j in range(i + 1, len(spans)):
            if spans[j][0] >= ve:
                nxt = min(nxt, spans[j][0])
                break
        # shared subject: 294期1014条, 59件、占45.3%
        if prev is not None and prev[2].label == "COUNT" and prev[2].id in by_count:
            gap = text[prev[1]:vs]
            if r.shared_gap.match(gap):
                hit = SubjectHit(e, shares_with=_owner(by_count, prev[2]))
                hits.append(hit)
                by_count[e.id] = hit
                continue
        left_from = cstart
        title_end = None
        if prev is not None and prev[1] > left_from:
            if prev[2].label == "TITLE" and prev[1] <= vs:
                title_end = prev
            left_from = prev[1]
        L = text[left_from:vs]
        # a title right before the number: 《廊坊市人民政府公报》4期 (TITLE excludes the brackets)
        if title_end is not None and _TITLE_GAP.fullmatch(text[title_end[1]:vs]):
            span = (title_end[0], title_end[1])
            hit = SubjectHit(e, span=span)
            hits.append(hit)
            by_count[e.id] = hit
            continue
        Ls = L.lstrip(" 、,:;")
        base = left_from + (len(L) - len(Ls))
        if not Ls.strip() and left_from > sent.vstart and text[left_from - 1] in ":" and \
                (prev is None or prev[1] < left_from - 1):
            # 主动公开的文件数量:0件 -- the clause before the colon names what is counted
            pc = _clause_of(sent, left_from - 2, left_from - 1)
            if pc is not None and (prev is None or prev[1] <= pc.vstart):
                Ls, base = text[pc.vstart:pc.vend], pc.vstart
        # 收到留言X条,已答复Y条: a bare verb continues the previous clause's subject
        right_first = _right_np(ctx, ve, nxt) if ve < nxt else None
        if r.continues.match(Ls.strip()) and right_first is None:
            owner = _previous_subject_owner(hits, sent, vs)
            if owner is not None:
                hit = SubjectHit(e, shares_with=owner)
                hits.append(hit)
                by_count[e.id] = hit
            continue
        # 占比0.94%: a share of what the previous count counted, never a subject of its own
        if prev is not None and prev[2].label == "COUNT" and r.shared_gap.match(text[prev[1]:vs]) \
                and "占" in text[prev[1]:vs]:
            continue
        # 两次主持召开……: a frequency of an action
        if unit in r.frequency_units and r.verbs.match(text, ve):
            continue
        left = _left_np(ctx, Ls, base)
        right = None
        if ve < nxt:
            right = _right_np(ctx, ve, nxt)
        use = left
        if right is not None and (left is None or unit in r.prenominal):
            use = right
        if use is not None:
            hit = SubjectHit(e, span=use)
            hits.append(hit)
            by_count[e.id] = hit
    return hits


def _owner(by_count: dict[str, SubjectHit], count: Entity) -> Entity:
    hit = by_count[count.id]
    while hit.shares_with is not None and hit.shares_with.id in by_count and hit.shares_with.id != hit.count.id:
        nxt = by_count[hit.shares_with.id]
        if nxt is hit:
            break
        hit = nxt
    return hit.count


def _previous_subject_owner(hits: list[SubjectHit], sent: Sentence, vs: int) -> Entity | None:
    for h in reversed(hits):
        if h.span is not None:
            cs = h.count
            return cs if h.span[0] >= sent.vstart else None
    return None


# ----------------------------------------------------------------------------- COMMITMENT
@dataclass(frozen=True)
class CommitmentHit:
    start: int  # view offsets
    end: int
    sentence: Sentence


_SECTION_YEAR = re.compile(r"((?:19|20)\d{2}) ?年")


def _section_prior(sent: Sentence, ctx: _Context | None = None) -> str | None:
    """The COMMITMENT prior of the innermost heading above ``sent`` that has one."""
    if ctx is None:
        return _prior_of(sent.sections, None)
    key = sent.sections
    hit = ctx.priors.get(key, _MISSING)
    if hit is _MISSING:
        hit = ctx.priors[key] = _prior_of(key, ctx)
    return hit


_MISSING = object()


def _prior_of(sections: tuple[str, ...], ctx: _Context | None) -> str | None:
    rules = commitment_rules()
    plan = ctx is not None and ctx.doc_type in ("work_plan", "notice")
    for title in reversed(sections):
        if ctx is not None and ctx.year is not None:
            years = [int(y) for y in _SECTION_YEAR.findall(title)]
            if years and max(years) > ctx.year and not _TITLE_LIKE.search(title):
                return "future"  # 2024年工作打算 in a 2023 report
        for rx, prior in rules.sections:
            if rx.search(title):
                if prior == "past" and plan:
                    break  # in a plan every section is forward-looking
                return prior
    return None


_TITLE_LIKE = re.compile(r"(?:年度报告|工作报告|年报)$")
_NP_END = re.compile(r"(?:情况|事项)$")


_DISPOSAL = re.compile(r"将[^,;。]{1,30}?(?:写入|纳入|列入|作为|融入|嵌入|落实到|分解到|下发|上传|推送到|报送至|调整为|"
                       r"合并|整合为|整合到|归集到|明确为|确定为|作出|予以|提交|转交|移交|送达|交由|交给|设置为|设为|由)")
_ACTOR_SPLIT = re.compile(r"^(?:[^,]{0,12}?前,?)?(?:各[^,]{1,10}|[^,]{1,14}?(?:办公室|办公厅|局|委|部门|单位|政府|中心|"
                          r"小组|领导|乡镇|街道|机关|我局|我区|我县|我市|我镇|我办|我委))将")
_DIRECTIVE_START = re.compile(
    r"^(?:加强|推进|推动|做好|完善|建立|健全|加快|深化|落实|强化|提升|提高|规范|开展|抓好|严格|全面|积极|切实|认真|"
    r"进一步|持续|继续|组织|确保|力争|探索|优化|扩大|加大|实施|实行|编制|制定|完成|出台|印发|建设|打造|督促|指导)")
_LEAD_IN = re.compile(r"(?:以下|如下)[^,;。:]{0,10}:\s*(?:[一二三四五六七八九十]+是|\(?[一二三四五六七八九十\d]+[)、.])?\s*")


def view_to_clause(view: TextView, a: int, b: int) -> tuple[int, int, str, int, int]:
    """Clause fields (original start/end/text, view start/end) of the view span ``[a, b)``."""
    s, e = view.to_original(a, b)
    return s, e, view.original[s:e], a, b


_SALUTATION_END = re.compile(r"[:：]\s*$")


def _has_future_date(ctx: _Context, a: int, b: int) -> bool:
    return _future_date_in(ctx, ctx.within(a, b))


def _future_date_in(ctx: _Context, spans: list[tuple[int, int, Entity]]) -> bool:
    for vs, ve, e in spans:
        if e.label != "DATE":
            continue
        v = e.value
        if v is None or v.start is None:
            if _BEFORE_WORD.search(e.text):
                return True
            continue
        y = int(v.start[:4])
        if ctx.year is not None and y > ctx.year:
            return True
        if v.modifier == "before" and (ctx.year is None or y >= ctx.year):
            return True
    return False


def _has_before_date(ctx: _Context, clause) -> bool:
    return any(e.label == "DATE" and e.value is not None and e.value.modifier == "before"
               for vs, ve, e in ctx.within(clause.vstart, clause.vend))


def _starts_with_date(ctx: _Context, clause) -> bool:
    return any(e.label == "DATE" and vs == clause.vstart for vs, ve, e in ctx.within(clause.vstart, clause.vend))


def _has_goal(ctx: _Context, a: int, b: int) -> bool:
    """A deadline (DATE … 前) or a quantitative goal (COUNT 不少于 …) inside ``[a, b)``."""
    for vs, ve, e in ctx.within(a, b):
        if e.label == "DATE" and e.value is not None and e.value.modifier == "before":
            return True
        if e.label == "COUNT" and _is_target(ctx.view.text, vs, ve, e):
            return True
    return False


_QUOTED = re.compile(r"“[^”]{0,200}”|《[^》]{0,80}》|\"[^\"]{0,200}\"")
_EXPLICIT_FUTURE = _gated(re.compile(r"下一步|下步|今后|明年|(?<![即拟])将(?![^,;。]{0,20}?(?:写入|纳入|列入|作为))"))


def _mask_quotes(t: str) -> str:
    """Quoted slogans and titles carry no cue of their own (“应公开尽公开”, 《…工作要点》)."""
    if "“" not in t and "《" not in t and '"' not in t:
        return t
    return _QUOTED.sub(lambda m: m.group()[0] + "□" * (len(m.group()) - 2) + m.group()[-1], t)


def _clause_cues(ctx: _Context, sent: Sentence) -> list[tuple]:
    """Per clause ``(clause, masked text, future cue, spans inside, future date)``: what
    ``_clause_flags`` reads first (a clause can be "future" only with a cue or a future date)."""
    r = commitment_rules()
    text = ctx.view.text
    future = r.future.search
    out = []
    # the spans of a clause lie inside its sentence: a sentence without any needs no lookups
    any_spans = bool(ctx.within(sent.vstart, sent.vend))
    for c in sent.clauses:
        t = _mask_quotes(text[c.vstart:c.vend])
        cue = bool(future(t)) and not _DISPOSAL.search(t)
        inside = ctx.within(c.vstart, c.vend) if any_spans else ()
        out.append((c, t, cue, inside, _future_date_in(ctx, inside) if inside else False))
    return out


def _clause_flags(ctx: _Context, sent: Sentence, planlike: bool | None = None, cues: list[tuple] | None = None):
    """Cue flags of each clause; ``planlike`` (a plan, or a report's improvement section) narrows the past cues."""
    r = commitment_rules()
    text = ctx.view.text
    report = ctx.doc_type not in ("work_plan", "notice") if planlike is None else not planlike
    out = []
    for c, t, fut, inside, future_date in (cues if cues is not None else _clause_cues(ctx, sent)):
        past = bool(r.past.search(t)) if report else bool(r.plan_past.search(t))
        if report and not past and not future_date and inside:
            # a count of done work in a report clause (梳理出……事项45项) reads as past
            past = any(e.label == "COUNT" and not _is_target(text, vs, ve, e) for vs, ve, e in inside)
        if report and past and fut:
            fut = bool(_EXPLICIT_FUTURE.search(t))  # 7月20日前实现了……: done, not planned
        if not fut and future_date and not r.past.search(t):
            fut = True
        out.append({
            "clause": c, "text": t, "future": fut, "weak": bool(r.weak.search(t)),
            "past": past, "problem": bool(r.problem.search(t)),
        })
    return out


_ADVERBIAL = re.compile(r"^(?:下一步|下步|下阶段|今后|同时|此外|另外|为此|对此|为了?[^,]{0,20}|下一步工作中|下步工作中)$")


def _adverbial(ctx: _Context, flag: dict) -> bool:
    """A clause that only sets the time or frame of the next one (2019年 / 下一步 / 同时)."""
    c = flag["clause"]
    if _ADVERBIAL.match(flag["text"]):
        return True
    for vs, ve, e in ctx.within(max(0, c.vstart - 1), c.vend + 1):
        if e.label == "DATE" and vs <= c.vstart + 1 and ve >= c.vend - 1:
            return True
    return False


_NOT_A_REQUEST = re.compile(r"如需|如有|若需|若有|如对|请与|请拨打|请联系|请登录|请访问|请点击|请致电|请发送|请于工作")


def _may_be_future(ctx: _Context, sent: Sentence, body: str, gate) -> bool:
    """False only when no clause of ``sent`` can have ``_clause_flags(...)["future"]``: no
    character a future cue starts with anywhere in the sentence (a clause's masked text
    has no other characters) and no future date among its spans (a clause's are among them)."""
    if gate is None or gate.search(body):
        return True
    spans = ctx.within(sent.vstart, sent.vend)
    return bool(spans) and _future_date_in(ctx, spans)


def commitment_hits(ctx: _Context) -> list[CommitmentHit]:
    r = commitment_rules()
    future_gate = r.future.gate if isinstance(r.future, _Gated) else None
    text = ctx.view.text
    plan_doc = ctx.doc_type in ("work_plan", "notice")
    hits: list[CommitmentHit] = []
    seen_enumerated = False
    for sent in ctx.sentences:
        if sent.kind == "heading" and sent.enumerator:
            seen_enumerated = True
        if sent.kind != "sentence":
            continue
        body = text[sent.vstart:sent.vend]
        if len(body) < r.min_length or r.never.search(_mask_quotes(body)):
            continue
        after = text[sent.vend:sent.vend + 2]
        if body.startswith("(") and _DUTY_NOTE.search(body[:40]):
            continue
        if _SALUTATION_END.match(after) and "\n" in text[sent.vend:sent.vend + 3] + "\n" and "," in body[:40] and \
                not r.future.search(body):
            continue  # 各县(市)、区人民政府,市政府各部门: (a salutation)
        if after.startswith(":") and len(body) < 40 and not r.request.search(body):
            continue  # a lead-in (现就有关事项通知如下:)
        prior = _section_prior(sent, ctx)
        planlike = prior in ("future", "mixed") or (plan_doc and prior not in ("past", "problem"))
        cues = None
        if not planlike:
            # report prose: a sentence none of whose clauses has a future cue or a future date
            # has no "future" flag, and then only the closing request (请…) below can make a
            # hit -- so the rest of the clause flags is not needed
            skip = not _may_be_future(ctx, sent, body, future_gate)
            if not skip:
                cues = _clause_cues(ctx, sent)
                skip = not any(cue or future_date for _, _, cue, _, future_date in cues)
            if skip:
                m = r.request.search(body)
                if m and not _NOT_A_REQUEST.search(body[max(0, m.start() - 6):m.end()]):
                    hits.append(CommitmentHit(sent.vstart + m.start(1), sent.vend, sent))
                continue
        flags = _clause_flags(ctx, sent, planlike, cues)
        lead = _LEAD_IN.search(body)
        lead_future = lead is not None and (planlike or any(
            f["future"] for f in flags if f["clause"].vstart < sent.vstart + lead.start()))
        if lead_future and sent.vend - (sent.vstart + lead.end()) >= r.min_length:
            # 下一步,将重点做好以下工作:一是……: the lead-in is framing, the items are the plans
            cut = sent.vstart + lead.end()
            flags = [f for f in flags if f["clause"].vend > cut]
            if not flags:
                continue
            c0 = flags[0]["clause"]
            if c0.vstart < cut:
                from .segment import Clause

                t0 = text[cut:c0.vend]
                flags[0] = dict(flags[0], clause=Clause(*view_to_clause(ctx.view, cut, c0.vend)), text=_mask_quotes(t0))
            body = text[flags[0]["clause"].vstart:sent.vend]
            planlike = True
        # 请 closing a notice: 现将…印发给你们,请认真贯彻落实
        m = r.request.search(body)
        if m and not _NOT_A_REQUEST.search(body[max(0, m.start() - 6):m.end()]):
            s = sent.vstart + m.start(1)
            hits.append(CommitmentHit(s, sent.vend, sent))
            continue
        preamble = plan_doc and not seen_enumerated
        framing = prior == "framing" or (preamble and bool(r.framing.search(body)))
        if framing and not _has_goal(ctx, sent.vstart, sent.vend):
            continue
        any_future = any(f["future"] for f in flags)
        if r.descriptive.search(body) and not any_future:
            continue
        if _NP_END.search(body) and not any_future:
            continue  # 本报告包括……:总体情况;主动公开政府信息情况;……
        if prior in ("problem",) and not any_future:
            continue
        if prior in ("mixed", "future") and any(f["problem"] for f in flags) and not any_future \
                and not _DIRECTIVE_START.match(body):
            continue  # the problem half of 存在的主要问题及改进情况 (解决……不足问题 is a measure, not a problem)
        start_idx = None
        if planlike:
            if flags and flags[0]["past"] and not flags[0]["future"]:
                # done work first, plans after: start at the first forward clause
                for k, f in enumerate(flags):
                    if f["future"] or (f["weak"] and not f["past"]):
                        start_idx = k
                        break
            else:
                directive = bool(r.directive.search(body)) or any(f["future"] or f["weak"] for f in flags)
                if directive and not (all(f["past"] for f in flags) and not any_future):
                    start_idx = 0
        else:
            for k, f in enumerate(flags):
                if f["future"]:
                    start_idx = k
                    break
            # in report prose the span starts at the first forward clause, with the time
            # adverbials right before it (2019年,高新区将……; 下一步,……)
            while start_idx and _adverbial(ctx, flags[start_idx - 1]):
                start_idx -= 1
        if start_idx is None:
            continue
        # split where a new actor takes over (…,党政办公室将对…进行督查) and where a new
        # directive brings its own deadline (…,推进门户网站于2019年底前完成改造)
        bounds = [start_idx]
        dated = _has_before_date(ctx, flags[start_idx]["clause"])
        adverbial: dict[int, bool] = {}  # _adverbial of flags[i], asked again for every later clause
        for k in range(start_idx + 1, len(flags)):
            f = flags[k]
            own_date = _has_before_date(ctx, f["clause"])
            actor = _ACTOR_SPLIT.match(f["text"])
            # 下一步,我局将……: no split (only the two branches that read it need it)
            lead_only = bool(actor or (own_date and not dated)) and all(
                adverbial[i] if i in adverbial else adverbial.setdefault(i, _adverbial(ctx, flags[i]))
                for i in range(bounds[-1], k))
            if actor and not lead_only:
                bounds.append(k)
                dated = own_date
            elif own_date and not dated and not lead_only and \
                    (_DIRECTIVE_START.match(f["text"]) or _starts_with_date(ctx, f["clause"])):
                bounds.append(k)
                dated = True
            elif own_date:
                dated = True
        min_len = r.min_length if planlike else r.min_length + 2  # 争取理解和支持 in report prose is no plan
        last = len(flags)
        if not planlike:
            # 1件结转2023年度继续办理,已办理的3件均属于……: done work after the plan ends the span
            for k in range(bounds[-1] + 1, len(flags)):
                if flags[k]["past"] and not flags[k]["future"]:
                    last = k
                    break
        for n, k in enumerate(bounds):
            a = flags[k]["clause"].vstart
            b = flags[bounds[n + 1] - 1]["clause"].vend if n + 1 < len(bounds) else \
                (sent.vend if last == len(flags) else flags[last - 1]["clause"].vend)
            if b - a >= min_len:
                hits.append(CommitmentHit(a, b, sent))
    return hits


# ----------------------------------------------------------------------------- deadline / target
_TARGET_BEFORE = re.compile(r"(?:达到|达|提高到|提高至|提升到|提升至|增加到|增加至|增长到|增长至|缩短至|缩短到|压缩至|压缩到|压减至|"
                            r"压减到|减少到|减少至|降低到|降低至|控制在|保持在|超过|不少于|不低于|不超过|力争|实现|确保|减少|"
                            r"缩减|压减|提高|提升|增长|增加|下降|降低|以上|覆盖|每[年季月周]|至少)\s*$")
_DURATION_UNITS = ("日", "天", "工作日", "个工作日", "小时", "分钟", "个月", "月", "季度", "周", "年")


def _is_target(text: str, vs: int, ve: int, e: Entity) -> bool:
    v = e.value
    approx = getattr(v, "approx", None)
    unit = getattr(v, "unit", "")
    before = text[max(0, vs - 6):vs]
    if unit in _DURATION_UNITS and approx == "at_most":
        # 15个工作日内 is a time limit, not a goal -- unless it is what is being cut (缩短至100个工作日内)
        return bool(_CUT_TO.search(before))
    if approx in ("at_least", "more_than") and unit not in _DURATION_UNITS:
        return True
    if unit == "%" or approx is not None:
        return bool(_TARGET_BEFORE.search(before)) or text[ve:ve + 2] in ("以上",)
    return bool(_GOAL_BEFORE.search(before))


#: relative period words: in a report's plan they mean the coming year (年内实现全覆盖)
_RELATIVE_PERIOD = re.compile(r"^(?:年内|年底前?|今年|全年|上半年|下半年|本年度?)$")


def _deadline_score(ctx: _Context, vs: int, ve: int, e: Entity, ca: int, cb: int) -> int:
    text = ctx.view.text
    v = e.value
    after = text[ve:ve + 3]
    before = text[max(ca, vs - 3):vs]
    if v is not None and v.start is not None and ctx.year is not None and int(v.start[:4]) < ctx.year:
        return 0  # 总结2017年政府信息公开工作: a past year is an object, not a time limit
    if v is not None and v.start is not None and ctx.year is not None and int(v.start[:4]) <= ctx.year \
            and ctx.doc_type == "annual_report" and v.modifier != "before" and not _RELATIVE_PERIOD.search(e.text):
        return 0  # a report is about its reference year: a period in it is no time limit of a plan
    if after.startswith("的") or _NAME_AFTER_DATE.match(after):
        return 0
    if v is not None and v.modifier == "after":
        return 0
    if v is not None and v.modifier == "before":
        return 3
    if _BY_BEFORE.search(before) or vs == ca or text[ve:ve + 1] in ",":
        return 2
    if _PERIOD_WORD.search(e.text):
        return 2
    return 1


def _commitment_links(ctx: _Context, com: Entity, vs: int, ve: int,
                      others: Sequence[tuple[int, int]] = ()) -> list[Relation]:
    rels = []
    best = None
    text = ctx.view.text
    for s, e_, ent in ctx.within(vs, ve):
        if ent.label == "DATE":
            sc = _deadline_score(ctx, s, e_, ent, vs, ve)
            if sc and (best is None or sc > best[0]):
                best = (sc, ent)
        elif ent.label == "COUNT" and _is_target(text, s, e_, ent):
            rels.append(Relation(com.id, ent.id, "target"))
    sent = _sentence_of(ctx, vs, ve)
    if best is None and sent is not None and sent.in_table:
        # a plan laid out as a table: the 完成时限 cell of the same row
        line_end = text.find("\n", ve)
        line_end = len(text) if line_end < 0 else line_end
        for s, e_, ent in ctx.within(ve, line_end):
            if ent.label == "DATE":
                sc = _deadline_score(ctx, s, e_, ent, s, e_)
                if sc:
                    best = (sc, ent)
                    break
    if best is None and sent is not None:
        # a date governing the sentence from before the span: 2020年,我局将……
        floor = max([sent.vstart] + [b for a, b in others if b <= vs])
        for s, e_, ent in ctx.within(floor, vs):
            if ent.label == "DATE":
                sc = _deadline_score(ctx, s, e_, ent, sent.vstart, vs)
                if sc >= 2 and (best is None or sc > best[0]):
                    best = (sc, ent)
    if best is not None:
        rels.insert(0, Relation(com.id, best[1].id, "deadline"))
    return rels


# ----------------------------------------------------------------------------- public API
def _next_id(entities: Sequence[Entity]) -> int:
    n = 0
    for e in entities:
        m = _ENTITY_ID.fullmatch(e.id)
        if m:
            n = max(n, int(m.group(1)))
    return n + 1


def entities(view: TextView, entities: Sequence[Entity], year: int | None, doc_type: str | None = None) -> list[Entity]:
    """SUBJECT and COMMITMENT entities for ``view`` given the rule entities (ids continue after them)."""
    ents = [e for e in entities if e.label not in ("SUBJECT", "COMMITMENT")]
    ctx = _context(view, ents, year, doc_type)
    nid = _next_id(entities)
    out: list[Entity] = []
    taken = bytearray(len(view.original) + 1)  # characters already inside a SUBJECT (linear, not pairwise)
    for h in subject_hits(ctx):
        if h.span is None:
            continue
        s, e = view.to_original(*h.span)
        if any(taken[s:e]):
            continue
        taken[s:e] = b"\x01" * (e - s)
        out.append(Entity(id=f"e{nid}", start=s, end=e, label="SUBJECT", text=view.original[s:e], source="rules"))
        nid += 1
    last = -1
    for h in sorted(commitment_hits(ctx), key=lambda h: h.start):
        s, e = view.to_original(h.start, h.end)
        if s < last:
            continue
        last = e
        out.append(Entity(id=f"e{nid}", start=s, end=e, label="COMMITMENT", text=view.original[s:e], source="rules"))
        nid += 1
    return out


@lru_cache(maxsize=8)
def _view(text: str) -> TextView:
    return TextView.from_text(text)


def relations(entities: Sequence[Entity], text: str, year: int | None = None) -> list[Relation]:
    """count_of, deadline and target relations among ``entities`` of ``text``."""
    view = _view(text)
    if year is None:
        from .meta import infer_reference_year

        year = infer_reference_year(view)[0]
    base = [e for e in entities if e.label in _BOUNDARY_LABELS]
    ctx = _context(view, base, year)
    rels: list[Relation] = []
    # count_of: the finder's subject span matched against the SUBJECT entities present
    subjects = sorted((e for e in entities if e.label == "SUBJECT"), key=lambda e: e.start)
    subj_of: dict[str, Entity] = {}
    subj_starts = [x.start for x in subjects]
    hits = subject_hits(ctx)
    exact = {view.to_original(*h.span) for h in hits if h.span is not None}
    by_span = {(x.start, x.end): x for x in subjects}
    for h in hits:
        target = None
        if h.span is not None:
            s, e = view.to_original(*h.span)
            target = by_span.get((s, e))
            if target is None:
                # a SUBJECT from elsewhere (a model, a gold file) that overlaps the finder's span,
                # unless it is exactly the span the finder gives another count
                target = _best_overlap(subjects, s, e, subj_starts)
                if target is not None and (target.start, target.end) in exact:
                    target = None
        elif h.shares_with is not None:
            target = subj_of.get(h.shares_with.id)
        if target is not None:
            subj_of[h.count.id] = target
            rels.append(Relation(h.count.id, target.id, "count_of"))
    rels.extend(_adjacent_links(entities, subjects, subj_of, text))
    # deadline and target of each COMMITMENT
    coms = [(com, *view.to_view(com.start, com.end)) for com in entities if com.label == "COMMITMENT"]
    # only the nearest other commitment ending before each one matters (its end is a floor for
    # governing dates): pass that one, not all of them (all pairs made long texts quadratic)
    coms.sort(key=lambda c: (c[1], c[2]))
    ends = [b for _, _, b in coms]
    for k, (com, vs, ve) in enumerate(coms):
        before = max((b for b in ends[max(0, k - 4):k] if b <= vs), default=None)
        rels.extend(_commitment_links(ctx, com, vs, ve, [(before, before)] if before is not None else []))
    return rels


#: what may stand between a SUBJECT and the COUNT right after it (信息30条, 自然人的2件,
#: 申请共12件) or between a COUNT and the SUBJECT right after it (2件为网络申请)
_SUBJECT_THEN_COUNT = re.compile(r"\s*(?:的|共|共计|计|达|为)?\s*")
_COUNT_THEN_SUBJECT = re.compile(r"\s*为\s*")


def _adjacent_links(entities: Sequence[Entity], subjects: Sequence[Entity], linked: Mapping[str, Entity],
                    text: str) -> list[Relation]:
    """count_of for COUNTs the finder left without a SUBJECT entity: the SUBJECT right before
    the count (or right after it, 2件为网络申请), among those the finder linked to no count
    (several such COUNTs may share one: 申请3件5项). SUBJECT entities from elsewhere (a model,
    a gold file) get linked this way when the finder's own span differs from theirs; the
    finder's own subjects are all linked already."""
    taken = {x.id for x in linked.values()}
    subjects = [x for x in subjects if x.id not in taken]
    starts = [x.start for x in subjects]
    ends = sorted(((x.end, i) for i, x in enumerate(subjects)))
    end_pos = [e for e, _ in ends]
    out = []
    for c in entities:
        if c.label != "COUNT" or c.id in linked:
            continue
        target = None
        k = bisect.bisect_right(end_pos, c.start) - 1  # the last SUBJECT ending at or before the count
        while k >= 0 and c.start - end_pos[k] <= 4:
            x = subjects[ends[k][1]]
            if _SUBJECT_THEN_COUNT.fullmatch(text, x.end, c.start):
                target = x
                break
            k -= 1
        if target is None:
            j = bisect.bisect_left(starts, c.end)
            if j < len(subjects) and subjects[j].start - c.end <= 3 and \
                    _COUNT_THEN_SUBJECT.fullmatch(text, c.end, subjects[j].start):
                target = subjects[j]
        if target is not None:
            out.append(Relation(c.id, target.id, "count_of"))
    return out


def _best_overlap(subjects: Sequence[Entity], s: int, e: int, starts: Sequence[int] | None = None) -> Entity | None:
    """The SUBJECT sharing at least half of the longer of it and ``[s, e)`` (the most, if several)."""
    best, score = None, 0
    i = 0
    if starts is not None:
        i = max(0, bisect.bisect_left(starts, s) - 8)  # subjects are short: start a little to the left
    for x in subjects[i:]:
        if x.start >= e:
            break
        ov = min(e, x.end) - max(s, x.start)
        if ov <= 0:
            continue
        if ov * 2 >= max(e - s, x.end - x.start) and ov > score:
            best, score = x, ov
    return best
