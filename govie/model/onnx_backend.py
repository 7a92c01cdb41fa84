"""ONNX Runtime backend of the span tagger (needs onnxruntime and numpy, not torch).

A model directory may hold, beside ``model.safetensors``, a ``model.onnx``: the TaggerNet
exported by ``python -m training.export_onnx MODEL_DIR`` (inputs ``input_ids`` and
``attention_mask``, int64 ``[batch, seq]``; outputs ``probs_a`` and ``probs_b``, the softmaxed
tag probabilities of the two heads, float32 ``[batch, seq, tags]``; dynamic batch and
sequence axes; optionally ``hidden``, the encoder's last hidden states float32
``[batch, seq, hidden]``). ``Tagger.load`` uses it when onnxruntime is importable (else torch, as
before); the windowing, merging and decoding stay those of govie.model.tagger, only the
forward pass of each batch of windows runs here.

This module never imports torch, except :attr:`OnnxNet.encoder`, the stand-in for
``TaggerNet.encoder`` that the learned relation model (govie.model.relations) calls with
torch tensors: it runs the ``hidden`` output of the same session (the torch encoder of
the directory's weights, loaded on first use, for a file without that output).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .tagger import WEIGHTS

ONNX = "model.onnx"
INPUTS = ("input_ids", "attention_mask")
OUTPUTS = ("probs_a", "probs_b")
HIDDEN = "hidden"  # optional third output: the encoder's last hidden states (for relations)


def onnxruntime_available() -> bool:
    from . import installed

    return installed("onnxruntime")


def usable(model_dir) -> bool:
    """True when ``model_dir`` has a ``model.onnx`` and onnxruntime is importable."""
    return model_dir is not None and (Path(model_dir) / ONNX).exists() and onnxruntime_available()


def weights_layout(path) -> str:
    """sha256 of a safetensors file's header (names, dtypes, shapes, offsets): a linked
    model.onnx reads the tensors at these offsets, so it fits any file with this layout."""
    with open(path, "rb") as fh:
        head = fh.read(8)
        body = fh.read(int.from_bytes(head, "little"))
    return hashlib.sha256(head + body).hexdigest()


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def session_options(threads: int | None = None, spinning: bool | None = False):
    """CPU session options: ``threads`` intra-op threads (None/0: onnxruntime's default, one per
    physical core), one inter-op thread, all graph optimisations. ``spinning``: whether idle
    worker threads busy-wait for work. Off by default: onnxruntime's own default (on) cost
    5-7% more CPU time for the same wall time in a 2-thread tagger benchmark (100k chars on
    2 cores), and burns a core that a busy machine needs. None keeps onnxruntime's default."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.intra_op_num_threads = int(threads or 0)
    so.inter_op_num_threads = 1
    if spinning is not None:
        so.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    return so


class OnnxNet:
    """An onnxruntime session standing in for TaggerNet: ``probs(ids, att)`` -> (probs_a, probs_b)."""

    backend = "onnx"

    def __init__(self, path, threads: int | None = None, spinning: bool | None = False,
                 model_dir=None, govie_cfg: dict | None = None):
        import onnxruntime as ort

        self.path = Path(path)
        self.model_dir = Path(model_dir) if model_dir is not None else self.path.parent
        self.govie_cfg = govie_cfg
        try:
            self.session = ort.InferenceSession(str(self.path), session_options(threads, spinning),
                                                providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime's errors share no base class but Exception
            if not self.path.exists():
                raise
            raise ValueError(f"{self.path}: onnxruntime cannot load it ({type(exc).__name__}: {exc}); "
                             "re-export it with python -m training.export_onnx") from exc
        names = [o.name for o in self.session.get_outputs()]
        if tuple(names[:2]) != OUTPUTS:
            raise ValueError(f"{self.path}: outputs {names}, expected {list(OUTPUTS)} "
                             "(export it with python -m training.export_onnx)")
        #: what training.export_onnx recorded (``govie_quantize``: none / int8 ...)
        self.metadata: dict[str, str] = dict(self.session.get_modelmeta().custom_metadata_map)
        self.quantized = self.metadata.get("govie_quantize", "none") not in ("none", "")
        self.has_hidden = HIDDEN in names
        self.check_weights()
        self._encoder = None

    def check_weights(self) -> None:
        """ValueError when the file was exported from other weights than the directory's
        model.safetensors (a linked file: another layout; an embedded one: another file).
        Files without the export's record (``govie_weights_layout`` / ``govie_weights_sha256``)
        are not checked."""
        name = self.metadata.get("govie_weights", "embedded")
        weights = self.model_dir / (WEIGHTS if name == "embedded" else name)
        want_layout = self.metadata.get("govie_weights_layout")
        want_sha = self.metadata.get("govie_weights_sha256")
        if not (want_layout or want_sha) or not weights.exists():
            return
        if want_layout and weights_layout(weights) != want_layout:
            raise ValueError(f"{self.path} reads {weights.name} with another tensor layout than it has now "
                             "(retrained with other settings?); re-export it with python -m training.export_onnx")
        if want_sha and file_sha256(weights) != want_sha:
            raise ValueError(f"{self.path} holds weights other than {weights} (retrained since the export?); "
                             "re-export it with python -m training.export_onnx")

    def eval(self) -> OnnxNet:  # Tagger calls net.eval()
        return self

    def run(self, ids, att, hidden: bool = False) -> list:
        """[probs_a, probs_b] (and, with ``hidden``, the encoder states) of int64 ``ids``/``att``."""
        if hidden and not self.has_hidden:
            raise ValueError(f"{self.path} has no {HIDDEN!r} output: re-export it with python -m training.export_onnx")
        return self.session.run([*OUTPUTS, HIDDEN] if hidden else list(OUTPUTS), {INPUTS[0]: ids, INPUTS[1]: att})

    def probs(self, ids, att):
        pa, pb = self.run(ids, att)
        return pa, pb

    def hidden(self, ids, att):
        (h,) = self.session.run([HIDDEN], {INPUTS[0]: ids, INPUTS[1]: att})
        return h

    @property
    def encoder(self):
        """``encoder(input_ids=, attention_mask=).last_hidden_state`` on torch tensors (needs torch):
        the session's ``hidden`` output, else the torch encoder of the directory's weights."""
        if self._encoder is None and self.has_hidden:
            self._encoder = _SessionEncoder(self)
        if self._encoder is None:
            from .torch_net import load_net

            self._encoder = load_net(self.model_dir, self.govie_cfg).encoder
        return self._encoder


class _SessionEncoder:
    """Calls like a Hugging Face encoder (torch tensors in, ``.last_hidden_state`` out)."""

    def __init__(self, net: OnnxNet):
        self.net = net

    def __call__(self, input_ids, attention_mask, **_):
        from types import SimpleNamespace

        import numpy as np
        import torch

        h = self.net.hidden(np.asarray(input_ids.cpu(), dtype=np.int64), np.asarray(attention_mask.cpu(), dtype=np.int64))
        return SimpleNamespace(last_hidden_state=torch.from_numpy(h))


def run_windows(net: OnnxNet, wins: Sequence[tuple[int, int, Sequence[int]]], pad_id: int,
                max_batch_tokens: int, hidden: bool = False) -> list[tuple]:
    """Probabilities (layer A rows, layer B rows) per window, without CLS/SEP: the same
    length-sorted batches as the torch path of ``Tagger._run``. With ``hidden`` (a session
    with the ``hidden`` output), a third item: those tokens' encoder states, float32 numpy."""
    import numpy as np

    from .decode import length_batches

    out: list[Any] = [None] * len(wins)
    for chunk in length_batches(wins, max_batch_tokens):
        T = max(len(wins[k][2]) for k in chunk)
        ids = np.full((len(chunk), T), pad_id, dtype=np.int64)
        att = np.zeros((len(chunk), T), dtype=np.int64)
        for r, k in enumerate(chunk):
            seq = wins[k][2]
            ids[r, :len(seq)] = seq
            att[r, :len(seq)] = 1
        res = net.run(ids, att, hidden=hidden)
        for r, k in enumerate(chunk):
            n = len(wins[k][2])
            row = (res[0][r, 1:n - 1].tolist(), res[1][r, 1:n - 1].tolist())
            out[k] = (*row, res[2][r, 1:n - 1]) if hidden else row
    return out
