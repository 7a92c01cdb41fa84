"""Runtime inference of the fine-tuned span tagger (needs torch, transformers, tokenizers).

A model directory holds::

    config.json        the encoder's Hugging Face config (vocab_size after pruning)
    tokenizer.json     the fast tokenizer (``tokenizers`` format)
    govie.json         label layers, window/stride, special ids, storage, hybrid policy
    model.safetensors  encoder + two heads (``encoder.*``, ``head_a.*``, ``head_b.*``)

``Tagger.load(dir).predict(texts)`` returns for each text a list of
``(start, end, label, score)`` with offsets into that text (the pipeline passes the
normalised view text). Texts are tokenized once, cut into windows of ``window`` tokens
every ``stride`` tokens, run in length-sorted batches, merged (govie.model.decode) and
decoded per tag layer. This module never imports ``training``.

Backends: a directory that also holds ``model.onnx`` (``python -m training.export_onnx``)
runs the forward pass in onnxruntime when it is importable (govie.model.onnx_backend),
else in torch. ``Tagger.load(..., backend="torch"|"onnx"|"auto")`` or the environment
variable ``GOVIE_TAGGER_BACKEND`` choose; ``tagger.backend`` says which one runs. A
``model.onnx`` that does not fit the directory's weights (``OnnxNet.check_weights``) is
skipped in auto mode with a warning.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .decode import clean_offsets, decode_bio, decode_pieces, merge_windows, windows

GOVIE_JSON = "govie.json"
WEIGHTS = "model.safetensors"
FORMAT = "govie-tagger/1"
SCALE_SUFFIX = ".__scale__"


class TaggerNet(nn.Module):
    """An encoder with two linear token heads: layer A (entity tags) and layer B (COMMITMENT)."""

    def __init__(self, encoder: nn.Module, hidden: int, n_a: int, n_b: int, dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head_a = nn.Linear(hidden, n_a)
        self.head_b = nn.Linear(hidden, n_b)

    def forward(self, input_ids, attention_mask):
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        h = self.dropout(h)
        return self.head_a(h), self.head_b(h)


def encoder_from_config(config) -> nn.Module:
    """A randomly initialised encoder for a Hugging Face config (weights loaded afterwards)."""
    from transformers import AutoModel

    try:
        return AutoModel.from_config(config, add_pooling_layer=False)
    except TypeError:
        return AutoModel.from_config(config)


def build_net(config, govie_cfg: dict) -> TaggerNet:
    return TaggerNet(encoder_from_config(config), int(config.hidden_size),
                     len(govie_cfg["layers"]["a"]["tags"]), len(govie_cfg["layers"]["b"]["tags"]),
                     float(govie_cfg.get("head_dropout", 0.1)))


# ----------------------------------------------------------------------------- storage
def pack_state(state: dict[str, torch.Tensor], storage: str = "fp16") -> dict[str, torch.Tensor]:
    """Tensors as stored: ``fp32``; ``fp16`` (float matrices in half precision); ``int8``
    (matrices as int8 with one fp16 absmax scale per row under ``key + SCALE_SUFFIX``).
    Vectors (biases, LayerNorm) stay fp32."""
    out = {}
    for k, v in state.items():
        v = v.detach().cpu().contiguous()
        if not v.is_floating_point() or v.dim() < 2 or storage == "fp32":
            out[k] = v.float() if v.is_floating_point() else v
        elif storage == "fp16":
            out[k] = v.half()
        elif storage == "int8":
            v = v.float()
            scale = v.abs().amax(dim=1, keepdim=True).clamp_min(1e-8) / 127.0
            out[k] = torch.round(v / scale).clamp(-127, 127).to(torch.int8)
            out[k + SCALE_SUFFIX] = scale.half()
        else:
            raise ValueError(f"storage must be fp32, fp16 or int8, got {storage!r}")
    return out


def unpack_state(stored: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out = {}
    for k, v in stored.items():
        if k.endswith(SCALE_SUFFIX):
            continue
        sk = k + SCALE_SUFFIX
        if sk in stored:
            out[k] = v.float() * stored[sk].float()
        elif v.is_floating_point():
            out[k] = v.float()
        else:
            out[k] = v
    return out


def load_state(net: nn.Module, path: Path) -> None:
    from safetensors.torch import load_file

    state = unpack_state(load_file(str(path)))
    missing, unexpected = net.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ValueError(f"{path}: weights do not fit the model: missing {missing[:5]}, unexpected {unexpected[:5]}")


def read_govie_json(model_dir: Path) -> dict:
    with open(Path(model_dir) / GOVIE_JSON, encoding="utf-8") as fh:
        cfg = json.load(fh)
    if cfg.get("format") != FORMAT:
        raise ValueError(f"{model_dir}/{GOVIE_JSON}: format {cfg.get('format')!r}, expected {FORMAT!r}")
    return cfg


def load_tokenizer(model_dir: Path):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def quantize_int8(net: nn.Module) -> nn.Module:
    """Dynamic int8 quantisation of the Linear layers (torch.ao)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao is deprecated in favour of torchao, still works
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(net, {nn.Linear}, dtype=torch.qint8)


# ----------------------------------------------------------------------------- tagger
class Tagger:
    """The loaded tagger: ``Tagger.load(model_dir).predict(texts)``."""

    def __init__(self, net: TaggerNet, tokenizer, cfg: dict, model_dir: Path | None = None,
                 quantized: bool = False):
        self.net = net.eval()
        self.tokenizer = tokenizer
        self.cfg = cfg
        self.model_dir = model_dir
        self.quantized = quantized
        self.tags_a: list[str] = list(cfg["layers"]["a"]["tags"])
        self.tags_b: list[str] = list(cfg["layers"]["b"]["tags"])
        self.window = int(cfg.get("window", 256))
        self.stride = int(cfg.get("stride", 192))
        self.merge = cfg.get("merge", "average")
        self.cls_id = int(cfg["cls_id"])
        self.sep_id = int(cfg["sep_id"])
        self.pad_id = int(cfg["pad_id"])
        self.max_batch_tokens = int(cfg.get("max_batch_tokens", 8192))
        self.min_score: dict[str, float] = dict(cfg.get("min_score", {}))
        #: layer B decoding: "bio" (greedy BIO) or "pieces" (one decision per clause piece)
        self.decode_b: str = str(cfg["layers"]["b"].get("decode", "bio"))
        self.piece_threshold: float = float(cfg["layers"]["b"].get("piece_threshold", 0.5))
        self.backend: str = getattr(net, "backend", "torch")

    @property
    def policy(self) -> dict[str, Any] | None:
        """The hybrid policy measured for this model (govie.hybrid), if the model has one."""
        return self.cfg.get("hybrid_policy")

    @property
    def labels(self) -> list[str]:
        return [t[2:] for t in self.tags_a + self.tags_b if t.startswith("B-")]

    @classmethod
    def load(cls, model_dir, quantize: str | bool | None = None, threads: int | None = None,
             backend: str | None = None) -> Tagger:
        """Load a model directory.

        quantize: True/"int8" applies dynamic int8 quantisation of the Linear layers at
        load, False/"none" keeps float weights, None uses the model's ``govie.json``
        setting ``"quantize"`` (default none). threads: torch.set_num_threads when given
        (and the onnxruntime session's intra-op threads).
        backend: "onnx" runs ``model.onnx`` in onnxruntime (its weights are as exported:
        ``quantize`` does not apply), "torch" the safetensors weights in torch, "auto"
        (None: ``$GOVIE_TAGGER_BACKEND``, default auto) onnx when the directory has a
        ``model.onnx``, onnxruntime is importable and no torch quantisation is asked for.
        """
        import os

        from . import onnx_backend

        model_dir = Path(model_dir)
        backend = (backend or os.environ.get("GOVIE_TAGGER_BACKEND") or "auto").lower()
        if backend not in ("auto", "torch", "onnx"):
            raise ValueError(f"backend must be auto, torch or onnx, got {backend!r}")
        cfg = read_govie_json(model_dir)
        if backend == "onnx" or (backend == "auto" and quantize in (None, False, "none")
                                 and onnx_backend.usable(model_dir)):
            if not onnx_backend.onnxruntime_available():
                raise ImportError("backend='onnx' needs onnxruntime: pip install onnxruntime")
            if not (model_dir / onnx_backend.ONNX).exists():
                raise FileNotFoundError(f"backend='onnx': no {model_dir / onnx_backend.ONNX} "
                                        "(make it with python -m training.export_onnx)")
            try:
                net = onnx_backend.OnnxNet(model_dir / onnx_backend.ONNX, threads=threads, model_dir=model_dir,
                                           govie_cfg=cfg)
            except ValueError as exc:  # a stale or unreadable model.onnx: auto falls back to torch
                if backend == "onnx":
                    raise
                import warnings

                warnings.warn(f"{exc}; running the tagger in torch", stacklevel=2)
            else:
                return cls(net, load_tokenizer(model_dir), cfg, model_dir, quantized=net.quantized)
        from transformers import AutoConfig

        if threads:
            torch.set_num_threads(int(threads))
        config = AutoConfig.from_pretrained(str(model_dir))
        net = build_net(config, cfg)
        load_state(net, model_dir / WEIGHTS)
        net.eval()
        if quantize is None:
            quantize = cfg.get("quantize") or False
        q = quantize in (True, "int8", "dynamic")
        if q:
            net = quantize_int8(net)
        return cls(net, load_tokenizer(model_dir), cfg, model_dir, quantized=q)

    # ---- inference
    def _windows(self, ids_list: Sequence[Sequence[int]]):
        wins = []  # (text index, window start, input ids)
        for t, ids in enumerate(ids_list):
            for s, e in windows(len(ids), self.window, self.stride):
                wins.append((t, s, [self.cls_id, *ids[s:e], self.sep_id]))
        return wins

    @torch.inference_mode()
    def _run(self, wins) -> list[tuple[list, list]]:
        """Probabilities (layer A rows, layer B rows) per window, without CLS/SEP."""
        if self.backend == "onnx":
            from .onnx_backend import run_windows

            return run_windows(self.net, wins, self.pad_id, self.max_batch_tokens)
        order = sorted(range(len(wins)), key=lambda i: len(wins[i][2]))
        out: list[Any] = [None] * len(wins)
        i = 0
        while i < len(order):
            j = i + 1  # windows are sorted by length: the last one of a chunk is its longest
            while j < len(order) and (j - i + 1) * len(wins[order[j]][2]) <= self.max_batch_tokens:
                j += 1
            chunk = order[i:j]
            T = max(len(wins[k][2]) for k in chunk)
            ids = torch.full((len(chunk), T), self.pad_id, dtype=torch.long)
            att = torch.zeros((len(chunk), T), dtype=torch.long)
            for r, k in enumerate(chunk):
                seq = wins[k][2]
                ids[r, :len(seq)] = torch.tensor(seq, dtype=torch.long)
                att[r, :len(seq)] = 1
            la, lb = self.net(ids, att)
            pa = torch.softmax(la.float(), -1).tolist()
            pb = torch.softmax(lb.float(), -1).tolist()
            for r, k in enumerate(chunk):
                n = len(wins[k][2])
                out[k] = (pa[r][1:n - 1], pb[r][1:n - 1])
            i = j
        return out

    def token_probs(self, texts: Sequence[str]) -> list[tuple[list[tuple[int, int]], list, list]]:
        """Per text: cleaned token offsets and merged tag probabilities of layers A and B."""
        if isinstance(texts, str):
            raise TypeError("Tagger.predict needs a list of texts, got a str")
        texts = list(texts)
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=False) if texts else []
        ids_list = [e.ids for e in encs]
        wins = self._windows(ids_list)
        probs = self._run(wins) if wins else []
        per_text: list[list[tuple[int, list, list]]] = [[] for _ in texts]
        for (t, s, _), (pa, pb) in zip(wins, probs):
            per_text[t].append((s, pa, pb))
        out = []
        for t in range(len(texts)):
            n = len(ids_list[t])
            if n == 0:
                out.append(([], [], []))
                continue
            parts = per_text[t]
            out.append((clean_offsets(encs[t].offsets),
                        merge_windows(n, [(s, a) for s, a, _ in parts], self.merge),
                        merge_windows(n, [(s, b) for s, _, b in parts], self.merge)))
        return out

    def decode(self, text: str, offsets, pa, pb) -> list[tuple[int, int, str, float]]:
        if self.decode_b == "pieces":
            spans_b = decode_pieces(pb, self.tags_b, offsets, text, self.piece_threshold)
        else:
            spans_b = decode_bio(pb, self.tags_b, offsets, text)
        spans = decode_bio(pa, self.tags_a, offsets, text) + spans_b
        if self.min_score:
            spans = [sp for sp in spans if sp[3] >= self.min_score.get(sp[2], 0.0)]
        spans.sort(key=lambda sp: (sp[0], -sp[1], sp[2]))
        return spans

    def predict(self, texts: Sequence[str]) -> list[list[tuple[int, int, str, float]]]:
        """Spans ``(start, end, label, score)`` per text, sorted by (start, -end, label)."""
        return [self.decode(text, *tp) for text, tp in zip(texts, self.token_probs(texts))]
