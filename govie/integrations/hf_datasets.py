"""``datasets_map(dataset)``: govie columns for a Hugging Face ``datasets.Dataset`` (``Dataset.map``, batched).

>>> ds = datasets.Dataset.from_dict({"text": ["全年受理申请48件。"]})      # doctest: +SKIP
>>> out = govie.datasets_map(ds, mode="rules")                              # doctest: +SKIP
>>> json.loads(out[0]["entities"])[0]["label"]                              # doctest: +SKIP
'COUNT'

Columns added: ``entities``, ``relations`` and ``meta``, as JSON strings (``output="json"``,
the default: one stable string type whatever the labels), or with ``output="struct"`` as
typed Arrow structs (entities: id/start/end/label/text/source/score plus ``value`` as a
JSON string, since the value schema depends on the label; relations: head/tail/label;
meta stays JSON).  ``tables`` is added as JSON when ``with_tables=True``.
Each process (also with ``num_proc``) loads one Extractor per option set.
"""

from __future__ import annotations

import json
from typing import Any

_EXTRACTORS: dict[tuple, Any] = {}


def _datasets():
    try:
        import datasets
    except ImportError:
        raise ImportError("govie.datasets_map needs the 'datasets' package: pip install datasets") from None
    return datasets


def _extractor(mode: str, model_dir: str | None, reference_year: int | None):
    key = (mode, model_dir, reference_year)
    if key not in _EXTRACTORS:
        from ..api import Extractor

        _EXTRACTORS[key] = Extractor(mode=mode, model_dir=model_dir, reference_year=reference_year)
    return _EXTRACTORS[key]


def features(output: str = "json", with_tables: bool = False):
    """The ``datasets.Features`` of the added columns."""
    ds = _datasets()
    if output == "json":
        f = {"entities": ds.Value("string"), "relations": ds.Value("string"), "meta": ds.Value("string")}
    elif output == "struct":
        ent = {"id": ds.Value("string"), "start": ds.Value("int64"), "end": ds.Value("int64"),
               "label": ds.Value("string"), "text": ds.Value("string"), "value": ds.Value("string"),
               "source": ds.Value("string"), "score": ds.Value("float64")}
        rel = {"head": ds.Value("string"), "tail": ds.Value("string"), "label": ds.Value("string")}
        f = {"entities": [ent], "relations": [rel], "meta": ds.Value("string")}  # lists of structs
    else:
        raise ValueError(f"output must be 'json' or 'struct', got {output!r}")
    if with_tables:
        f["tables"] = ds.Value("string")
    return f


def _dumps(x) -> str:
    return json.dumps(x, ensure_ascii=False)


def _map_batch(batch: dict, text_column: str, mode: str, model_dir, reference_year, output: str,
               with_tables: bool, pipe_batch: int) -> dict:
    ex = _extractor(mode, model_dir, reference_year)
    texts = batch[text_column]
    out: dict[str, list] = {"entities": [], "relations": [], "meta": []}
    if with_tables:
        out["tables"] = []
    valid = [t for t in texts if isinstance(t, str)]
    docs = iter(ex.pipe(valid, batch_size=pipe_batch))
    for text in texts:
        # None or a non-text cell gives an empty result, never a crash of the whole map
        doc = next(docs) if isinstance(text, str) else None
        d = doc.to_dict() if doc is not None else {"entities": [], "relations": [], "meta": {"error": "no text"}}
        if output == "json":
            out["entities"].append(_dumps(d["entities"]))
            out["relations"].append(_dumps(d["relations"]))
        else:
            out["entities"].append([{"id": e["id"], "start": e["start"], "end": e["end"], "label": e["label"],
                                     "text": e["text"], "value": _dumps(e["value"]) if "value" in e else None,
                                     "source": e.get("source"), "score": e.get("score")} for e in d["entities"]])
            out["relations"].append([{"head": r["head"], "tail": r["tail"], "label": r["label"]}
                                     for r in d["relations"]])
        out["meta"].append(_dumps(d["meta"]))
        if with_tables:
            out["tables"].append(_dumps(d.get("tables", [])))
    return out


def datasets_map(dataset, text_column: str = "text", batch_size: int = 32, *, mode: str = "auto",
                 model_dir: str | None = None, reference_year: int | None = None, output: str = "json",
                 with_tables: bool = False, num_proc: int | None = None, **map_kwargs):
    """``dataset.map`` (batched) adding govie's ``entities``/``relations``/``meta`` columns.

    Args:
        dataset: a ``datasets.Dataset`` (or ``DatasetDict``: every split is mapped).
        text_column: the column holding the text.
        output: "json" (JSON strings) or "struct" (typed structs; values as JSON strings).
        num_proc, **map_kwargs: passed to ``Dataset.map`` (e.g. ``load_from_cache_file=False``).
    Raises:
        ImportError: ``datasets`` is not installed.
        KeyError: ``text_column`` is not a column.
    """
    ds = _datasets()
    if isinstance(dataset, ds.DatasetDict):
        return ds.DatasetDict({k: datasets_map(v, text_column, batch_size, mode=mode, model_dir=model_dir,
                                               reference_year=reference_year, output=output,
                                               with_tables=with_tables, num_proc=num_proc, **map_kwargs)
                               for k, v in dataset.items()})
    cols = getattr(dataset, "column_names", None)
    if cols is not None and text_column not in cols:
        raise KeyError(f"no column {text_column!r} in the dataset (columns: {cols})")
    added = features(output, with_tables)
    kwargs: dict[str, Any] = dict(batched=True, batch_size=batch_size,
                                  fn_kwargs={"text_column": text_column, "mode": mode, "model_dir": model_dir,
                                             "reference_year": reference_year, "output": output,
                                             "with_tables": with_tables, "pipe_batch": batch_size})
    if num_proc:
        kwargs["num_proc"] = num_proc
    feats = getattr(dataset, "features", None)
    if feats is not None and isinstance(dataset, ds.Dataset):
        merged = ds.Features({**{k: v for k, v in feats.items() if k not in added}, **added})
        kwargs["features"] = merged
    kwargs.update(map_kwargs)
    return dataset.map(_map_batch, **kwargs)
