"""The train/dev/test split rule; it lives in ``govie.splits`` (the runtime package needs it
for ``govie evaluate --split``) and is re-exported here for the training code."""

from __future__ import annotations

from govie.splits import (
    PASSAGES,
    SPLITS,
    passage_domains,
    site,
    split_of,
    split_of_document,
    split_of_domain,
    split_of_record,
)

__all__ = ["PASSAGES", "SPLITS", "passage_domains", "site", "split_of", "split_of_document",
           "split_of_domain", "split_of_record"]
