"""The extraction pipeline: normalise -> find -> merge -> values -> relations -> Document."""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache

from . import __version__
from .errors import ModelUnavailable, not_text
from .merge import resolve
from .meta import document_meta
from .relate import link
from .rules import find_all
from .rules.base import Candidate
from .text import TextView
from .types import Document, Entity
from .values import count as count_value
from .values import date as date_value
from .values import doc_no as doc_no_value


def value_of(label: str, span_text: str, reference_year: int | None):
    """The normalised value of a span (shared by rule and model spans).

    Memoised: the parsers are pure and their values immutable, and spans such as ``2件``,
    ``本年度`` or ``100%`` recur in every report (a parse costs tens of microseconds)."""
    if label not in ("DOC_NO", "DATE", "COUNT"):
        return None
    key = (label, span_text, reference_year if label == "DATE" else None)
    try:
        return _VALUES[key]
    except KeyError:
        pass
    if label == "DOC_NO":
        value = doc_no_value.parse(span_text)
    elif label == "DATE":
        value = date_value.parse(span_text, reference_year)
    else:
        value = count_value.parse(span_text)
    if len(_VALUES) >= 16384:
        _VALUES.clear()
    _VALUES[key] = value
    return value


_VALUES: dict[tuple, object] = {}


@contextmanager
def _gc_paused():
    """The cyclic garbage collector paused while one document is extracted.

    Extraction makes many small containers that live until the Document is built; on a
    long text the collector's passes over them took close to half the time and grew with
    the text (1.6M characters: 5.2 us/char with it, 2.8 without). The pipeline makes no
    garbage cycles of note, and the collector is switched back on right after (left
    alone when the caller had switched it off)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@cache
def _optional(name: str):
    """An optional layer of the package (semantic, tables, hybrid), or None when absent."""
    try:
        return importlib.import_module(f"govie.{name}")
    except ImportError:
        return None


class Pipeline:
    """Rules, and the model when asked for and available; see ``govie.Extractor``."""

    def __init__(self, mode: str = "auto", model_dir: str | None = None):
        self.mode = mode
        self.tagger = None
        if mode in ("auto", "model", "hybrid"):
            from . import model as model_pkg

            if model_pkg.available(model_dir):
                if model_pkg.worth_loading(model_dir, mode):  # auto: only when the policy uses the model
                    self.tagger = model_pkg.load_tagger(model_dir)
                    if mode != "model":  # the relation model, loaded now: the tagger then keeps its states
                        from .model.relations import relation_model

                        relation_model(self.tagger)
            elif mode != "auto":
                raise ModelUnavailable(model_pkg.unavailable_reason(model_dir))

    @property
    def engine(self) -> str:
        if self.tagger is None:
            return "rules"
        return "model" if self.mode == "model" else "model+rules"

    def __call__(self, text: str, reference_year: int | None = None, doc_id: str | None = None) -> Document:
        return next(self.pipe([text], reference_year=reference_year, doc_ids=[doc_id]))

    def pipe(self, texts: Iterable[str], batch_size: int = 32, reference_year: int | None = None,
             doc_ids: Iterable[str | None] | None = None) -> Iterator[Document]:
        ids = iter(doc_ids) if doc_ids is not None else None
        batch: list[str] = []
        for text in texts:
            if not isinstance(text, str):
                raise not_text(text)
            batch.append(text)
            if len(batch) >= batch_size:
                yield from self._run(batch, reference_year, ids)
                batch = []
        if batch:
            yield from self._run(batch, reference_year, ids)

    def _run(self, texts: list[str], reference_year, ids) -> Iterator[Document]:
        # rules only: each view is built right before its document, so that the later layers
        # (segmentation, tables) find it in TextView's small cache instead of rebuilding it
        views = [TextView.from_text(t) for t in texts] if self.tagger is not None else None
        model_spans = self.tagger.predict([v.text for v in views]) if self.tagger is not None else None
        for i, text in enumerate(texts):
            view = views[i] if views is not None else TextView.from_text(text)
            doc_id = next(ids, None) if ids is not None else None
            with _gc_paused():  # never across the yield: the caller's code runs with the collector on
                doc = self._document(view, model_spans[i] if model_spans is not None else None,
                                     reference_year, doc_id)
            yield doc

    def _document(self, view: TextView, model_spans, reference_year, doc_id) -> Document:
        meta = document_meta(view)
        if reference_year is not None:
            meta["reference_year"] = reference_year
            meta["evidence"].pop("reference_year", None)
            meta["evidence"]["reference_year_given"] = True
        year = meta["reference_year"]
        cands: list[Candidate] = []
        if self.mode != "model" or self.tagger is None:
            cands.extend(find_all(view.text))
        if model_spans is not None:
            from .hybrid import combine

            cands = combine(cands, model_spans, mode=self.mode, policy=getattr(self.tagger, "policy", None))
        cands = resolve(cands, view.text)
        entities = self._entities(view, cands, year)
        semantic = self._semantic(view, entities, year)
        if model_spans is not None:  # the model's SUBJECT/COMMITMENT vs the semantic layer's
            from .hybrid import SEMANTIC_LABELS, merge_semantic

            own = [(*view.to_original(s, e), label, score) for s, e, label, score in model_spans
                   if label in SEMANTIC_LABELS]
            semantic = merge_semantic(entities, semantic, mode=self.mode, policy=getattr(self.tagger, "policy", None),
                                      model_spans=own, text=view.original)
        entities += semantic
        relations = link(entities, view.original)
        if self.tagger is not None and self.mode in ("auto", "hybrid"):  # learned relations, per their policy
            from .model.relations import refine

            relations = refine(self.tagger, view, entities, relations)
        meta["engine"] = self.engine
        meta["version"] = __version__
        tables = self._tables(view.original)
        return Document(text=view.original, entities=tuple(entities), relations=tuple(relations),
                        meta=meta, id=doc_id, tables=tables)

    @staticmethod
    def _entities(view: TextView, cands: list[Candidate], year) -> list[Entity]:
        out = []
        for n, c in enumerate(sorted(cands, key=lambda c: (c.start, -c.end, c.label)), 1):
            s, e = view.to_original(c.start, c.end)
            source = "model" if c.rule == "model" else "rules"
            out.append(Entity(id=f"e{n}", start=s, end=e, label=c.label, text=view.original[s:e],
                              value=value_of(c.label, view.text[c.start:c.end], year),
                              source=source, score=round(c.score, 4) if source == "model" else None))
        return out

    @staticmethod
    def _semantic(view: TextView, entities: list[Entity], year) -> list[Entity]:
        """SUBJECT and COMMITMENT entities (govie.semantic), when that layer is present."""
        semantic = _optional("semantic")
        return semantic.entities(view, entities, year) if semantic else []

    @staticmethod
    def _tables(text: str) -> tuple:
        tables = _optional("tables")
        if tables is None:
            return ()
        try:
            return tuple(tables.find_tables(text))
        except Exception:  # a broken table never breaks extraction
            return ()
