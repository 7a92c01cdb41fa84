"""Integrations with other libraries, each imported only when used (none is needed by govie itself).

* :mod:`govie.integrations.hf_datasets`: ``datasets_map(dataset)`` adds govie columns to a 🤗 Dataset.
* :mod:`govie.integrations.spacy_component`: the ``"govie"`` spaCy pipeline component.
* :mod:`govie.integrations.distributed`: Ray Data pipelines (actor pool, Extractor loaded once per actor).
"""
