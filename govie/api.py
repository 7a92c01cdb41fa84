"""The public façade: ``extract``, ``extract_many``/``extract_batch`` and a reusable ``Extractor``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .errors import not_text
from .types import Document

MODES = ("auto", "rules", "model", "hybrid")


class Extractor:
    """Loads what extraction needs once (rule tables, the model when present) for many texts.

    Args:
        mode: "auto" (model+rules hybrid when torch and the weights are present, else rules),
            "rules", "model" or "hybrid".
        model_dir: a model directory; defaults to the shipped ``models/govie-zh-small``.
        reference_year: year used to resolve dates that lack one; inferred per text when None.
    """

    def __init__(self, mode: str = "auto", model_dir: str | None = None, reference_year: int | None = None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        from .pipeline import Pipeline

        self.pipeline = Pipeline(mode=mode, model_dir=model_dir)
        self.reference_year = reference_year

    @property
    def engine(self) -> str:
        return self.pipeline.engine

    def __call__(self, text: str, reference_year: int | None = None, doc_id: str | None = None) -> Document:
        if not isinstance(text, str):
            raise not_text(text)
        return self.pipeline(text, reference_year=reference_year or self.reference_year, doc_id=doc_id)

    def pipe(self, texts: Iterable[str], batch_size: int = 32) -> Iterator[Document]:
        """One Document per input text, in order."""
        yield from self.pipeline.pipe(texts, batch_size=batch_size, reference_year=self.reference_year)


_DEFAULT: dict[tuple, Extractor] = {}


def _default(mode: str, model_dir: str | None) -> Extractor:
    key = (mode, model_dir)
    if key not in _DEFAULT:
        _DEFAULT[key] = Extractor(mode=mode, model_dir=model_dir)
    return _DEFAULT[key]


def extract(text: str, *, mode: str = "auto", reference_year: int | None = None,
            model_dir: str | None = None, doc_id: str | None = None) -> Document:
    """Extract entities, relations and tables from one text.

    Raises:
        TypeError (govie.errors.InvalidInput): ``text`` is not a str.
    """
    if not isinstance(text, str):
        raise not_text(text)
    return _default(mode, model_dir)(text, reference_year=reference_year, doc_id=doc_id)


def extract_many(texts: Iterable[str], *, batch_size: int = 32, mode: str = "auto",
                 reference_year: int | None = None, model_dir: str | None = None) -> Iterator[Document]:
    """Yield exactly one Document per input, in order."""
    ex = _default(mode, model_dir)
    for doc in ex.pipeline.pipe(texts, batch_size=batch_size, reference_year=reference_year):
        yield doc


def extract_batch(texts: Iterable[str], batch_size: int = 32, **options) -> list[Document]:
    """``list(extract_many(texts))``."""
    return list(extract_many(texts, batch_size=batch_size, **options))
