"""The trainable model: a pretrained encoder plus two linear token heads (govie.model.tagger.TaggerNet).

* ``from_base(base, num_hidden_layers)`` — encoder weights from a Hugging Face checkpoint
  directory or hub name (``num_hidden_layers`` keeps the bottom N layers), tokenizer
  from the same place;
* ``from_config(config, tokenizer)`` — a randomly initialised encoder (tests, tiny models);
* ``save(bundle, out_dir, storage)`` / ``load(model_dir)`` — the model directory the
  runtime ``govie.model.tagger.Tagger`` reads (config.json, tokenizer.json, govie.json,
  model.safetensors);
* ``prune_vocab(bundle, keep_ids)`` — drop unused vocabulary rows, remapping the
  embedding matrix and the tokenizer's vocabulary consistently.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from govie.model.decode import tag_set
from govie.model.tagger import (
    FORMAT,
    GOVIE_JSON,
    WEIGHTS,
    TaggerNet,
    build_net,
    load_state,
    load_tokenizer,
    pack_state,
    read_govie_json,
)

from .encode import LAYER_A, LAYER_B


@dataclass
class Bundle:
    """Everything a model directory holds, in memory."""

    net: TaggerNet
    tokenizer: Any  # tokenizers.Tokenizer
    config: Any  # transformers PretrainedConfig of the encoder
    cfg: dict  # the govie.json content


def govie_cfg(tokenizer, base: str, window: int = 256, stride: int = 192, head_dropout: float = 0.1,
              **extra) -> dict:
    def tid(tok: str | None, *alts: str) -> int | None:
        for t in (tok, *alts):
            if t is not None and tokenizer.token_to_id(t) is not None:
                return tokenizer.token_to_id(t)
        return None

    cls_id = tid("<s>", "[CLS]")
    sep_id = tid("</s>", "[SEP]")
    pad_id = tid("<pad>", "[PAD]")
    if cls_id is None or sep_id is None or pad_id is None:
        raise ValueError("the tokenizer lacks CLS/SEP/PAD tokens (<s> </s> <pad> or [CLS] [SEP] [PAD])")
    d = {"format": FORMAT, "base": base,
         "layers": {"a": {"labels": list(LAYER_A), "tags": tag_set(LAYER_A)},
                    "b": {"labels": list(LAYER_B), "tags": tag_set(LAYER_B)}},
         "window": window, "stride": stride, "merge": "average",
         "cls_id": cls_id, "sep_id": sep_id, "pad_id": pad_id, "head_dropout": head_dropout}
    d.update(extra)
    return d


def _backend(tokenizer):
    """A ``tokenizers.Tokenizer`` from a transformers fast tokenizer or itself."""
    backend = getattr(tokenizer, "backend_tokenizer", None) or getattr(tokenizer, "_tokenizer", None)
    tok = backend if backend is not None else tokenizer
    tok = copy.deepcopy(tok)
    tok.no_truncation()
    tok.no_padding()
    return tok


def from_base(base: str, num_hidden_layers: int | None = None, window: int = 256, stride: int = 192,
              head_dropout: float = 0.1) -> Bundle:
    """Start from a pretrained checkpoint; a govie model directory (with govie.json) is
    loaded whole, heads included, so training continues from it."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    if (Path(base) / GOVIE_JSON).exists():
        bundle = load(base)
        bundle.cfg.update({"window": window, "stride": stride})
        bundle.cfg.setdefault("base", base)
        bundle.cfg["continued_from"] = str(base)
        return bundle
    from transformers.utils import logging as hf_logging

    kw = {"num_hidden_layers": int(num_hidden_layers)} if num_hidden_layers else {}
    config = AutoConfig.from_pretrained(base, **kw)
    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the dropped upper layers are reported as "unexpected" keys
    hf_logging.disable_progress_bar()
    try:
        try:
            encoder = AutoModel.from_pretrained(base, config=config, add_pooling_layer=False)
        except TypeError:
            encoder = AutoModel.from_pretrained(base, config=config)
    finally:
        hf_logging.set_verbosity(level)
        hf_logging.enable_progress_bar()
    encoder = encoder.float()
    tok = _backend(AutoTokenizer.from_pretrained(base))
    cfg = govie_cfg(tok, base, window, stride, head_dropout, base_layers=config.num_hidden_layers)
    net = TaggerNet(encoder, int(config.hidden_size), len(cfg["layers"]["a"]["tags"]),
                    len(cfg["layers"]["b"]["tags"]), head_dropout)
    return Bundle(net, tok, config, cfg)


def from_config(config, tokenizer, base: str = "random", window: int = 256, stride: int = 192,
                head_dropout: float = 0.1) -> Bundle:
    """A randomly initialised model for a transformers config and a tokenizer."""
    tok = _backend(tokenizer)
    cfg = govie_cfg(tok, base, window, stride, head_dropout)
    return Bundle(build_net(config, cfg), tok, config, cfg)


def save(bundle: Bundle, out_dir: str | Path, storage: str = "fp16") -> Path:
    from safetensors.torch import save_file

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = copy.deepcopy(bundle.config)
    config.vocab_size = int(bundle.net.encoder.get_input_embeddings().weight.shape[0])
    config.save_pretrained(str(out))
    bundle.tokenizer.save(str(out / "tokenizer.json"))
    special = {k: bundle.tokenizer.id_to_token(bundle.cfg[f"{k}_id"]) for k in ("cls", "sep", "pad")}
    tok_cfg = {"backend": "tokenizers", "tokenizer_class": "PreTrainedTokenizerFast",
               "cls_token": special["cls"], "bos_token": special["cls"], "sep_token": special["sep"],
               "eos_token": special["sep"], "pad_token": special["pad"], "model_max_length": 512}
    tmodel = json.loads(bundle.tokenizer.to_str()).get("model", {})
    unk = tmodel.get("unk_token")
    if unk is None and isinstance(tmodel.get("unk_id"), int):
        unk = bundle.tokenizer.id_to_token(tmodel["unk_id"])
    if unk:
        tok_cfg["unk_token"] = unk
    (out / "tokenizer_config.json").write_text(json.dumps(tok_cfg, ensure_ascii=False, indent=2) + "\n",
                                               encoding="utf-8")
    cfg = dict(bundle.cfg)
    cfg["storage"] = storage
    (out / GOVIE_JSON).write_text(json.dumps(cfg, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    state = {k: v for k, v in bundle.net.state_dict().items() if not k.endswith("position_ids")}
    save_file(pack_state(state, storage), str(out / WEIGHTS), metadata={"format": "pt", "govie": FORMAT})
    return out


def load(model_dir: str | Path) -> Bundle:
    from transformers import AutoConfig

    d = Path(model_dir)
    cfg = read_govie_json(d)
    config = AutoConfig.from_pretrained(str(d))
    net = build_net(config, cfg)
    load_state(net, d / WEIGHTS)
    return Bundle(net, load_tokenizer(d), config, cfg)


# ----------------------------------------------------------------------------- vocabulary pruning
def seen_ids(tokenizer, texts: Iterable[str], batch: int = 256) -> set[int]:
    out: set[int] = set()
    buf: list[str] = []
    for t in texts:
        buf.append(t)
        if len(buf) >= batch:
            for e in tokenizer.encode_batch(buf, add_special_tokens=False):
                out.update(e.ids)
            buf = []
    if buf:
        for e in tokenizer.encode_batch(buf, add_special_tokens=False):
            out.update(e.ids)
    return out


def single_char_ids(tokenizer) -> set[int]:
    """Ids of pieces that are one character (optionally after the ``▁`` marker)."""
    return {i for p, i in tokenizer.get_vocab().items() if len(p.lstrip("\u2581")) <= 1}


def prune_vocab(bundle: Bundle, keep: Iterable[int]) -> tuple[Bundle, list[int]]:
    """A bundle whose vocabulary keeps only ``keep`` (plus the special/added tokens).

    Works for Unigram (SentencePiece), WordPiece and WordLevel tokenizers: new ids follow
    the old order. Returns the new bundle and the kept old ids (new id -> old id).
    On text whose pieces are all kept, tokenization is unchanged (a Unigram best path only
    uses kept pieces, and removing other pieces removes only worse paths).
    """
    from tokenizers import Tokenizer

    tj = json.loads(bundle.tokenizer.to_str())
    model = tj["model"]
    added = {a["id"] for a in tj.get("added_tokens", [])}
    keep = set(keep) | added | {bundle.cfg["cls_id"], bundle.cfg["sep_id"], bundle.cfg["pad_id"]}
    if model["type"] == "Unigram":
        n = len(model["vocab"])
        if model.get("unk_id") is not None:
            keep.add(model["unk_id"])
        kept = sorted(i for i in keep if 0 <= i < n)
        new_id = {old: new for new, old in enumerate(kept)}
        model["vocab"] = [model["vocab"][i] for i in kept]
        if model.get("unk_id") is not None:
            model["unk_id"] = new_id[model["unk_id"]]
    elif model["type"] in ("WordPiece", "WordLevel"):
        vocab = model["vocab"]
        n = len(vocab)
        unk = model.get("unk_token")
        if unk in vocab:
            keep.add(vocab[unk])
        kept = sorted(i for i in keep if 0 <= i < n)
        new_id = {old: new for new, old in enumerate(kept)}
        model["vocab"] = {p: new_id[i] for p, i in vocab.items() if i in new_id}
    else:
        raise NotImplementedError(f"vocabulary pruning of a {model['type']} tokenizer")
    for a in tj.get("added_tokens", []):
        a["id"] = new_id[a["id"]]
    _remap_post(tj.get("post_processor"), new_id)
    tok = Tokenizer.from_str(json.dumps(tj, ensure_ascii=False))
    tok.no_truncation()
    tok.no_padding()

    net = copy.deepcopy(bundle.net)
    emb = net.encoder.get_input_embeddings()
    idx = torch.tensor(kept, dtype=torch.long)
    new_emb = torch.nn.Embedding(len(kept), emb.weight.shape[1], padding_idx=None)
    new_emb.weight.data = emb.weight.data[idx].clone()
    net.encoder.set_input_embeddings(new_emb)
    config = copy.deepcopy(bundle.config)
    config.vocab_size = len(kept)
    for attr in ("pad_token_id", "bos_token_id", "eos_token_id"):
        v = getattr(config, attr, None)
        if isinstance(v, int) and v in new_id:
            setattr(config, attr, new_id[v])
    cfg = dict(bundle.cfg)
    for k in ("cls_id", "sep_id", "pad_id"):
        cfg[k] = new_id[cfg[k]]
    cfg["vocab_pruned"] = {"from": n, "to": len(kept)}
    return Bundle(net, tok, config, cfg), kept


def _remap_post(pp: Any, new_id: dict[int, int]) -> None:
    if not isinstance(pp, dict):
        return
    if pp.get("type") == "Sequence":
        for p in pp.get("processors", []):
            _remap_post(p, new_id)
        return
    for spec in (pp.get("special_tokens") or {}).values():
        spec["ids"] = [new_id[i] for i in spec.get("ids", [])]
    for key in ("sep", "cls"):
        if isinstance(pp.get(key), list) and len(pp[key]) == 2:
            pp[key][1] = new_id[pp[key][1]]


def same_tokenization(old_tok, new_tok, kept: Sequence[int], texts: Iterable[str]) -> tuple[int, int]:
    """(texts checked, texts whose pieces or offsets differ) between two tokenizers."""
    n = bad = 0
    for t in texts:
        a = old_tok.encode(t, add_special_tokens=False)
        b = new_tok.encode(t, add_special_tokens=False)
        n += 1
        if a.tokens != b.tokens or a.offsets != b.offsets or [kept[i] for i in b.ids] != a.ids:
            bad += 1
    return n, bad
