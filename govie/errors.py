"""Errors raised by govie, each with a message that says what to do."""

from __future__ import annotations


class GovieError(Exception):
    """Base class of all govie errors."""


class InvalidInput(GovieError, TypeError):
    """The input is not text (``extract`` needs a ``str``)."""


class InvalidDocument(GovieError, ValueError):
    """A document, entity or relation breaks an invariant of ANNOTATION.md."""


class ModelUnavailable(GovieError, RuntimeError):
    """The model was asked for but torch/transformers or the weights are missing."""


def not_text(obj: object) -> InvalidInput:
    kind = type(obj).__name__
    hint = " Decode bytes first, e.g. data.decode('utf-8')." if isinstance(obj, (bytes, bytearray)) else ""
    return InvalidInput(f"govie.extract() needs a str, got {kind}.{hint}")
