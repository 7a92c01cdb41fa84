"""The ``"govie"`` spaCy pipeline component: govie's entities as a span group, relations on the Doc.

    import spacy
    import govie.integrations.spacy_component  # or installed: found by the spacy_factories entry point
    # spaCy's Chinese tokenizer needs a segmenter; "char" needs no download and works offline
    # (spacy.blank("zh") defaults to it in spaCy 3; pkuseg/jieba need extra packages)
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    nlp.add_pipe("govie", config={"mode": "rules"})
    doc = nlp("依据《示例办法》(示政发〔2021〕3号)，全年受理申请48件。")
    for span in doc.spans["govie"]:
        print(span.label_, span.text, span._.govie_id, span._.govie_value)
    doc._.govie_relations   # [{"head": "e2", "tail": "e1", "label": "doc_title"}, ...]

govie works on the Doc's text (characters, not tokens) and its offsets are mapped to
tokens with ``Doc.char_span(alignment_mode="expand")``: with the char segmenter every
span is exact; with a word segmenter a span may grow to whole tokens (``span._.govie_exact``
says whether it did not).  Everything stored on the Doc is plain data (``doc.user_data``),
so Docs with govie results serialise with DocBin.

* ``doc.spans[spans_key]``: one Span per entity, ``label_`` = the govie label.
* ``span._.govie_id`` / ``._.govie_value`` (the value dict or None) / ``._.govie_exact``.
* ``doc._.govie_relations``: relation dicts (head/tail are entity ids).
* ``doc._.govie_entities``: the entity dicts of the interchange format (original offsets).
* ``doc._.govie_meta``: the Document meta.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

try:
    from spacy.language import Language
    from spacy.tokens import Doc, Span
except ImportError as exc:  # pragma: no cover - exercised only without spaCy
    raise ImportError("govie's spaCy component needs spaCy: pip install spacy") from exc

_DATA = "govie"  # key in doc.user_data


def _doc_data(doc) -> dict:
    return doc.user_data.get(_DATA) or {}


def _span_entity(span) -> dict | None:
    data = _doc_data(span.doc)
    eid = data.get("index", {}).get(f"{span.label_}:{span.start_char}:{span.end_char}")
    if eid is None:
        return None
    return data.get("by_id", {}).get(eid)


def _register_extensions() -> None:
    if not Span.has_extension("govie_id"):
        Span.set_extension("govie_id", getter=lambda s: (_span_entity(s) or {}).get("id"))
    if not Span.has_extension("govie_value"):
        Span.set_extension("govie_value", getter=lambda s: (_span_entity(s) or {}).get("value"))
    if not Span.has_extension("govie_exact"):
        Span.set_extension("govie_exact", getter=lambda s: (e := _span_entity(s)) is not None
                           and (e["start"], e["end"]) == (s.start_char, s.end_char))
    if not Doc.has_extension("govie_relations"):
        Doc.set_extension("govie_relations", getter=lambda d: list(_doc_data(d).get("relations", ())))
    if not Doc.has_extension("govie_entities"):
        Doc.set_extension("govie_entities", getter=lambda d: list(_doc_data(d).get("by_id", {}).values()))
    if not Doc.has_extension("govie_meta"):
        Doc.set_extension("govie_meta", getter=lambda d: dict(_doc_data(d).get("meta", {})))


class GovieComponent:
    """Runs govie on each Doc's text; see the module docs."""

    def __init__(self, nlp, name: str = "govie", mode: str = "auto", model_dir: str | None = None,
                 reference_year: int | None = None, spans_key: str = "govie", batch_size: int = 32):
        from ..api import Extractor

        _register_extensions()
        self.name = name
        self.spans_key = spans_key
        self.batch_size = batch_size
        self.extractor = Extractor(mode=mode, model_dir=model_dir, reference_year=reference_year)

    def __call__(self, doc):
        return self._set(doc, self.extractor(doc.text))

    def pipe(self, docs: Iterable, batch_size: int | None = None) -> Iterator:
        size = batch_size or self.batch_size
        buf: list = []
        for doc in docs:
            buf.append(doc)
            if len(buf) >= size:
                yield from self._batch(buf)
                buf = []
        if buf:
            yield from self._batch(buf)

    def _batch(self, docs: list) -> Iterator:
        for doc, gdoc in zip(docs, self.extractor.pipe([d.text for d in docs], batch_size=len(docs))):
            yield self._set(doc, gdoc)

    def _set(self, doc, gdoc):
        spans = []
        index: dict[str, str] = {}
        by_id: dict[str, dict[str, Any]] = {}
        for e in gdoc.entities:
            d = e.to_dict()
            by_id[e.id] = d
            span = doc.char_span(e.start, e.end, label=e.label, alignment_mode="expand")
            if span is None:  # only whitespace under the entity: no token to hold it
                continue
            index.setdefault(f"{e.label}:{span.start_char}:{span.end_char}", e.id)
            spans.append(span)
        doc.user_data[_DATA] = {"index": index, "by_id": by_id,
                                "relations": [r.to_dict() for r in gdoc.relations], "meta": dict(gdoc.meta)}
        doc.spans[self.spans_key] = spans
        return doc


@Language.factory("govie", default_config={"mode": "auto", "model_dir": None, "reference_year": None,
                                           "spans_key": "govie", "batch_size": 32})
def make_component(nlp, name: str, mode: str, model_dir: str | None, reference_year: int | None,
                   spans_key: str, batch_size: int) -> GovieComponent:
    """spaCy factory ``"govie"`` (``nlp.add_pipe("govie", config={"mode": "rules"})``)."""
    return GovieComponent(nlp, name, mode=mode, model_dir=model_dir, reference_year=reference_year,
                          spans_key=spans_key, batch_size=batch_size)
