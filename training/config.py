"""Training configuration: a YAML or JSON file read into ``TrainConfig`` (unknown keys are errors).

Relative paths are taken from the current directory, else from the config file's folder.
See training/configs/govie-zh-small.yaml for a commented example.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

DEFAULT_BASE = "../shared/models/multilingual-e5-small-zh"


@dataclass
class SilverConfig:
    #: rule-labelled sentences added to training (0 turns silver off)
    max_sentences: int = 3000
    #: loss weight of a silver token relative to a gold one
    weight: float = 0.3
    #: labels taken from the rules; other labels are "unannotated" (partial-label loss)
    labels: list[str] = field(default_factory=lambda: ["DOC_NO", "TITLE", "DATE", "COUNT"])
    #: JSONL files (relative to the shared dir) whose "text" fields are mined
    sources: list[str] = field(default_factory=lambda: [
        "corpus/report_passages/report_passages.jsonl",
        "corpus/gov_work_reports/gov_work_reports.jsonl",
        "corpus/lawrefbook/national_laws_regulations.jsonl",
    ])
    #: share of the sentences taken from each source, in order (rest: even)
    mix: list[float] = field(default_factory=lambda: [0.5, 0.3, 0.2])
    min_chars: int = 8
    max_chars: int = 240
    #: pack consecutive kept sentences of one document up to this many characters
    chunk_chars: int = 300


@dataclass
class TrainConfig:
    base: str = DEFAULT_BASE
    #: keep the bottom N encoder layers (0 or null: all)
    num_hidden_layers: int | None = 4
    #: gold files or folders (stand-off, interchange JSONL, doccano, Label Studio)
    gold: list[str] = field(default_factory=lambda: ["training/data/gold"])
    output_dir: str = "runs/govie-zh-small"
    #: optional explicit splits: {"train": [doc ids], "dev": [...], "test": [...]};
    #: documents not listed fall back to the split rule (training/splits.py)
    splits: dict[str, list[str]] | None = None
    #: also train on the dev split after model selection? (no: dev picks the epoch)
    seed: int = 13
    threads: int = 2
    max_epochs: int = 12
    patience: int = 3
    min_epochs: int = 2
    lr: float = 8e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.1
    batch_size: int = 16
    max_batch_tokens: int = 4096
    window: int = 256
    stride: int = 192
    head_dropout: float = 0.1
    #: loss weight of a token inside a gold span, relative to an ``O`` token, per tag layer
    #: (layer B holds the rare, long COMMITMENT spans)
    span_weight_a: float = 1.0
    span_weight_b: float = 1.0
    #: layer B (COMMITMENT) decoding written to govie.json: "pieces" (one decision per clause
    #: piece, govie.model.decode.decode_pieces) or "bio" (greedy BIO)
    decode_b: str = "pieces"
    #: keep the (large) word-embedding matrix fixed: faster steps, less overfitting on small gold
    freeze_embeddings: bool = True
    grad_clip: float = 1.0
    #: stop training after this many minutes (a finished epoch is always kept)
    max_minutes: float = 25.0
    silver: SilverConfig = field(default_factory=SilverConfig)
    #: stored weights: fp32, fp16 or int8 (per-row absmax)
    storage: str = "fp16"
    #: prune the vocabulary to the pieces seen in these texts (+ all single characters)
    prune_vocab: bool = True
    prune_sources: list[str] = field(default_factory=lambda: ["corpus", "seeds"])
    #: runtime default written to govie.json: "int8" (dynamic quantisation at load) or null
    quantize: str | None = None
    #: choose the hybrid policy per label on dev and write it into govie.json
    choose_policy: bool = True
    #: evaluate on test at the end (numbers go to metrics.json and the model card)
    eval_test: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _build(cls, d: dict, where: str):
    known = {f.name: f for f in fields(cls)}
    bad = sorted(set(d) - set(known))
    if bad:
        raise ValueError(f"{where}: unknown config keys {bad}; known: {sorted(known)}")
    kw = {}
    for k, v in d.items():
        if k == "silver" and isinstance(v, dict):
            v = _build(SilverConfig, v, f"{where}.silver")
        elif k == "silver" and v in (None, False):
            v = SilverConfig(max_sentences=0)
        kw[k] = v
    return cls(**kw)


def load_config(path: str | Path | None = None, **overrides) -> TrainConfig:
    """Read a YAML/JSON config file (or none: defaults), then apply ``overrides``."""
    d: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        text = p.read_text(encoding="utf-8")
        if p.suffix.lower() in (".yaml", ".yml"):
            import yaml

            d = yaml.safe_load(text) or {}
        else:
            d = json.loads(text)
        if not isinstance(d, dict):
            raise ValueError(f"{path}: a config must be a mapping")
        base_dir = p.resolve().parent
        for key in ("base", "output_dir"):
            if isinstance(d.get(key), str):
                d[key] = _resolve(d[key], base_dir)
        if isinstance(d.get("gold"), list):
            d["gold"] = [_resolve(g, base_dir) for g in d["gold"]]
        elif isinstance(d.get("gold"), str):
            d["gold"] = [_resolve(d["gold"], base_dir)]
    d.update({k: v for k, v in overrides.items() if v is not None})
    return _build(TrainConfig, d, str(path or "<defaults>"))


def _resolve(value: str, base_dir: Path) -> str:
    """``value`` when it exists from the CWD, else relative to the config's folder when it
    exists there, else unchanged (a hub name, or an output folder still to be made)."""
    p = Path(value)
    if p.is_absolute() or p.exists():
        return value
    cand = base_dir / value
    return str(cand) if cand.exists() else value
