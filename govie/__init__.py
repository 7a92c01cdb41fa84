"""govie: structured, checkable facts from Chinese government documents.

>>> import govie
>>> doc = govie.extract("根据《示例条例》(示政发〔2021〕3号)，全年办理申请12件。")
>>> [(e.label, e.text) for e in doc.entities]  # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from .api import Extractor, extract, extract_batch, extract_many
from .types import CountValue, DateValue, DocNoValue, Document, Entity, Relation


def datasets_map(dataset, text_column: str = "text", batch_size: int = 32, **opts):
    """Add govie's entities/relations/meta columns to a 🤗 ``datasets.Dataset`` (batched ``map``).

    See :func:`govie.integrations.hf_datasets.datasets_map`; ``datasets`` is imported only here.
    """
    from .integrations.hf_datasets import datasets_map as _map

    return _map(dataset, text_column=text_column, batch_size=batch_size, **opts)


__all__ = [
    "CountValue",
    "DateValue",
    "DocNoValue",
    "Document",
    "Entity",
    "Extractor",
    "Relation",
    "__version__",
    "datasets_map",
    "extract",
    "extract_batch",
    "extract_many",
]
