"""Shared fixtures: the shared data directory (skip tests that need it when absent)."""

from __future__ import annotations

import pytest

from govie.io.standoff import shared_dir


@pytest.fixture(scope="session")
def shared():
    try:
        return shared_dir()
    except FileNotFoundError:
        pytest.skip("../shared is not available")


def spans(doc, label=None):
    """(label, text) pairs of a Document, optionally of one label."""
    return [(e.label, e.text) for e in doc.entities if label is None or e.label == label]
