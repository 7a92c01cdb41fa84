"""spaCy DocBin export: every entity in ``doc.spans["govie"]``, non-overlapping ones in ``doc.ents``.

Each character is one token (``Doc(vocab, words=list(text), spaces=[False]*n)``), so every
character span is a token span and ``doc.text`` is the original text.  Values, ids, the
relations and the metadata go to ``doc.user_data["govie"]``, so ``read`` gives the
Documents back.  spaCy is optional (``pip install spacy``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..labels import ENTITY_LABELS
from ..types import Document

SPAN_KEY = "govie"
#: labels that may go to doc.ents (COMMITMENT spans hold dates and counts, so it stays in spans)
ENT_LABELS: tuple[str, ...] = ("DOC_NO", "TITLE", "DATE", "COUNT", "SUBJECT")


def _spacy():
    try:
        import spacy
        import spacy.tokens  # fail here, with the message below
    except ImportError as exc:
        raise ImportError("DocBin export needs spaCy: pip install spacy (or pip install 'govie[train]')") from exc
    return spacy


def to_spacy(doc: Document, vocab=None, ent_labels: Sequence[str] = ENT_LABELS):
    """A spaCy ``Doc`` of ``doc`` with character tokens, spans and non-overlapping ents."""
    _spacy()
    from spacy.tokens import Doc, Span

    if vocab is None:
        vocab = _vocab()
    sdoc = Doc(vocab, words=list(doc.text), spaces=[False] * len(doc.text)) if doc.text else Doc(vocab, words=[])
    spans = [Span(sdoc, e.start, e.end, label=e.label) for e in doc.entities]
    sdoc.spans[SPAN_KEY] = spans
    ents, last = [], -1
    rank = {lab: i for i, lab in enumerate(ent_labels)}
    for e, sp in sorted(zip(doc.entities, spans), key=lambda p: (p[0].start, rank.get(p[0].label, 99), -p[0].end)):
        if e.label in rank and e.start >= last:
            ents.append(sp)
            last = e.end
    sdoc.ents = ents
    sdoc.user_data[SPAN_KEY] = {"doc": doc.to_dict()}
    return sdoc


def _vocab():
    """A plain vocabulary: tokens are single characters, no language data is needed."""
    from spacy.vocab import Vocab

    return Vocab()


def export(docs: Iterable[Document], path: str | Path | None = None, ent_labels: Sequence[str] = ENT_LABELS):
    """A ``DocBin`` of ``docs`` (written to ``path`` when given); returns the DocBin."""
    _spacy()
    from spacy.tokens import DocBin

    vocab = _vocab()
    db = DocBin(attrs=["ORTH"], store_user_data=True)
    for d in docs:
        db.add(to_spacy(d, vocab, ent_labels))
    if path is not None:
        from .paths import ensure_parent

        ensure_parent(path)
        db.to_disk(path)
    return db


def read(path_or_docbin, vocab=None) -> Iterator[Document]:
    """The Documents stored in a DocBin written by ``export``."""
    _spacy()
    from spacy.tokens import DocBin

    db = path_or_docbin if isinstance(path_or_docbin, DocBin) else DocBin().from_disk(path_or_docbin)
    for sdoc in db.get_docs(vocab or _vocab()):
        stored: dict[str, Any] | None = sdoc.user_data.get(SPAN_KEY)
        if stored and "doc" in stored:
            yield Document.from_dict(stored["doc"])
            continue
        # a DocBin from elsewhere: spans only, no values
        spans = sdoc.spans.get(SPAN_KEY, sdoc.ents)
        ents = [{"id": f"e{n}", "start": sp.start_char, "end": sp.end_char, "label": sp.label_,
                 "text": sp.text} for n, sp in enumerate(spans, 1) if sp.label_ in ENTITY_LABELS]
        yield Document.from_dict({"text": sdoc.text, "entities": ents})
