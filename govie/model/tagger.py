"""Runtime inference of the fine-tuned span tagger (tokenizers, and onnxruntime or torch).

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
skipped in auto mode with a warning. This module imports torch only for the torch backend:
the network itself (``TaggerNet``, ``build_net``, storage helpers) is govie.model.torch_net,
whose names are also reachable from here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .decode import clean_offsets, decode_bio, decode_pieces, length_batches, merge_states, merge_windows, windows

if TYPE_CHECKING:  # annotations only: the onnx backend never imports torch
    from .onnx_backend import OnnxNet
    from .torch_net import TaggerNet

GOVIE_JSON = "govie.json"
WEIGHTS = "model.safetensors"
FORMAT = "govie-tagger/1"
SCALE_SUFFIX = ".__scale__"  # the int8 storage's row scales (torch_net.pack_state)

#: names served lazily from govie.model.torch_net (importing them imports torch)
_TORCH_NAMES = ("TaggerNet", "encoder_from_config", "build_net", "pack_state", "unpack_state", "load_state",
                "load_net", "quantize_int8")


def __getattr__(name: str):
    if name in _TORCH_NAMES:
        from . import torch_net

        return getattr(torch_net, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def _wanted_backend(backend: str | None) -> str:
    want = (backend or os.environ.get("GOVIE_TAGGER_BACKEND") or "auto").lower()
    if want not in ("auto", "torch", "onnx"):
        raise ValueError(f"backend must be auto, torch or onnx, got {want!r}")
    return want


def choose_backend(model_dir, backend: str | None = None, quantize: str | bool | None = None) -> str:
    """The backend ``Tagger.load`` runs (before it finds a stale ``model.onnx``): ``backend``
    or ``$GOVIE_TAGGER_BACKEND`` when "onnx"/"torch"; "auto" (default) picks onnx when the
    directory has a ``model.onnx``, onnxruntime is importable and no torch quantisation is asked for."""
    from . import onnx_backend

    want = _wanted_backend(backend)
    if want == "auto":
        auto_onnx = quantize in (None, False, "none") and onnx_backend.usable(model_dir)
        return "onnx" if auto_onnx else "torch"
    return want


#: at most this many bytes of encoder states (float16) kept from one ``token_probs`` call;
#: texts past it are encoded again when their states are asked for
KEPT_BYTES_MAX = 128 << 20


# ----------------------------------------------------------------------------- tagger
class Tagger:
    """The loaded tagger: ``Tagger.load(model_dir).predict(texts)``."""

    def __init__(self, net: TaggerNet | OnnxNet, tokenizer, cfg: dict, model_dir: Path | None = None,
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
        #: keep the encoder states of the last ``token_probs`` call for ``kept_states`` (the
        #: relation model sets it: its features then come from the tagger's own pass)
        self.keep_states: bool = False
        self.kept_bytes_max: int = KEPT_BYTES_MAX
        self._kept: dict[str, tuple[list, Any]] = {}

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
        from . import onnx_backend

        model_dir = Path(model_dir)
        forced = _wanted_backend(backend)
        backend = choose_backend(model_dir, forced, quantize)
        cfg = read_govie_json(model_dir)
        if backend == "onnx":
            if not onnx_backend.onnxruntime_available():
                raise ImportError("backend='onnx' needs onnxruntime: pip install onnxruntime")
            if not (model_dir / onnx_backend.ONNX).exists():
                raise FileNotFoundError(f"backend='onnx': no {model_dir / onnx_backend.ONNX} "
                                        "(make it with python -m training.export_onnx)")
            try:
                net = onnx_backend.OnnxNet(model_dir / onnx_backend.ONNX, threads=threads, model_dir=model_dir,
                                           govie_cfg=cfg)
            except ValueError as exc:  # a stale or unreadable model.onnx: auto falls back to torch
                if forced == "onnx":
                    raise
                import warnings

                warnings.warn(f"{exc}; running the tagger in torch", stacklevel=2)
            else:
                return cls(net, load_tokenizer(model_dir), cfg, model_dir, quantized=net.quantized)
        try:
            import torch
            import transformers  # noqa: F401 -- only to say what is missing before loading
        except ImportError as exc:
            raise ImportError(f"the torch backend needs torch and transformers ({exc}); install them, or give "
                              f"{model_dir} a model.onnx (python -m training.export_onnx) and install "
                              "onnxruntime") from exc

        from .torch_net import load_net, quantize_int8

        if threads:
            torch.set_num_threads(int(threads))
        net = load_net(model_dir, cfg)
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

    def _run(self, wins, hidden: bool = False) -> list[tuple]:
        """Probabilities (layer A rows, layer B rows) per window, without CLS/SEP; with
        ``hidden``, a third item: the encoder's states of those tokens (float32 numpy)."""
        if self.backend == "onnx":
            from .onnx_backend import run_windows

            return run_windows(self.net, wins, self.pad_id, self.max_batch_tokens, hidden=hidden)
        import torch

        with torch.inference_mode():
            return self._run_torch(wins, hidden)

    def _torch_inputs(self, wins, chunk):
        import torch

        T = max(len(wins[k][2]) for k in chunk)
        ids = torch.full((len(chunk), T), self.pad_id, dtype=torch.long)
        att = torch.zeros((len(chunk), T), dtype=torch.long)
        for r, k in enumerate(chunk):
            seq = wins[k][2]
            ids[r, :len(seq)] = torch.tensor(seq, dtype=torch.long)
            att[r, :len(seq)] = 1
        return ids, att

    def _run_torch(self, wins, hidden: bool = False) -> list[tuple]:
        import torch

        out: list[Any] = [None] * len(wins)
        for chunk in length_batches(wins, self.max_batch_tokens):
            ids, att = self._torch_inputs(wins, chunk)
            if hidden:  # the heads on the encoder's states (dropout is off in eval)
                h = self.net.encoder(input_ids=ids, attention_mask=att).last_hidden_state
                la, lb = self.net.head_a(h), self.net.head_b(h)
                hs = h.float().numpy()
            else:
                la, lb = self.net(ids, att)
            pa = torch.softmax(la.float(), -1).tolist()
            pb = torch.softmax(lb.float(), -1).tolist()
            for r, k in enumerate(chunk):
                n = len(wins[k][2])
                out[k] = (pa[r][1:n - 1], pb[r][1:n - 1], hs[r, 1:n - 1]) if hidden else \
                    (pa[r][1:n - 1], pb[r][1:n - 1])
        return out

    def hidden_windows(self, wins) -> list:
        """The encoder's states (float32 numpy [tokens, hidden], without CLS/SEP) per window."""
        if self.backend == "onnx" and getattr(self.net, "has_hidden", False):
            return [w[2] for w in self._run(wins, hidden=True)]
        import torch

        encoder = self.net.encoder  # OnnxNet without a hidden output: the torch encoder
        out: list[Any] = [None] * len(wins)
        with torch.inference_mode():
            for chunk in length_batches(wins, self.max_batch_tokens):
                ids, att = self._torch_inputs(wins, chunk)
                h = encoder(input_ids=ids, attention_mask=att).last_hidden_state.float().numpy()
                for r, k in enumerate(chunk):
                    out[k] = h[r, 1:len(wins[k][2]) - 1]
        return out

    def kept_states(self, text: str):
        """(token offsets, float16 states [tokens, hidden]) of ``text`` from the last
        ``token_probs`` call when ``keep_states`` was on and they fitted, else None."""
        return self._kept.get(text)

    def token_probs(self, texts: Sequence[str]) -> list[tuple[list[tuple[int, int]], list, list]]:
        """Per text: cleaned token offsets and merged tag probabilities of layers A and B."""
        if isinstance(texts, str):
            raise TypeError("Tagger.predict needs a list of texts, got a str")
        texts = list(texts)
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=False) if texts else []
        ids_list = [e.ids for e in encs]
        wins = self._windows(ids_list)
        keep = self.keep_states and (self.backend == "torch" or getattr(self.net, "has_hidden", False))
        probs = self._run(wins, hidden=keep) if wins else []
        per_text: list[list[tuple]] = [[] for _ in texts]
        for (t, s, _), row in zip(wins, probs):
            per_text[t].append((s, *row))
        out = []
        self._kept = {}
        budget = self.kept_bytes_max
        for t in range(len(texts)):
            n = len(ids_list[t])
            if n == 0:
                out.append(([], [], []))
                continue
            parts = per_text[t]
            offs = clean_offsets(encs[t].offsets)
            out.append((offs, merge_windows(n, [(p[0], p[1]) for p in parts], self.merge),
                        merge_windows(n, [(p[0], p[2]) for p in parts], self.merge)))
            hidden = int(parts[0][3].shape[-1]) if keep and parts else 0
            if keep and n * hidden * 2 <= budget:
                self._kept[texts[t]] = (offs, merge_states(n, [(p[0], p[3]) for p in parts],
                                                           hidden).astype("float16"))
                budget -= n * hidden * 2
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
