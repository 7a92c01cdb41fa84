"""Export a tagger model directory to ONNX for the onnxruntime backend (govie.model.onnx_backend).

Usage::

    python -m training.export_onnx MODEL_DIR [--out PATH] [--int8] [--no-optimize]
        [--per-channel] [--quantize-heads] [--quantize-embeddings]

Writes ``MODEL_DIR/model.onnx`` (or ``--out``): the TaggerNet of the directory's weights with
both heads softmaxed in the graph (inputs ``input_ids``/``attention_mask`` int64
``[batch, seq]``; outputs ``probs_a``/``probs_b`` float32 ``[batch, seq, tags]``; dynamic
batch and sequence axes) and ``hidden``, the encoder's last hidden states float32
``[batch, seq, hidden]`` (what the relation model reads). Steps:

1. ``torch.onnx.export`` (TorchScript exporter, opset 17) of the fp32 net, attention exported
   in the eager form so onnxruntime's BERT fusions find it;
2. unless ``--no-optimize``: onnxruntime's transformer optimizer for BERT (fused attention,
   skip-LayerNorm, bias-GELU; ships with onnxruntime, runs offline); a model it cannot fuse
   is written unfused;
3. with ``--int8``: ``onnxruntime.quantization.quantize_dynamic`` of the MatMul weights
   (per-tensor unless ``--per-channel``; the two heads and the embeddings stay fp32 unless
   ``--quantize-heads`` / ``--quantize-embeddings``).

Then the file is checked against torch on random windows (max abs difference of the
probabilities and hidden states; ``--tolerance``, 1e-3 for fp32 by default, none for int8) and its size,
difference and settings are printed as JSON. Metadata in the file: ``govie_format``,
``govie_quantize`` (none/int8), ``govie_optimized``, ``govie_weights`` (model.safetensors
when linked, else embedded) and what the runtime checks the directory's weights against:
``govie_weights_layout`` (linked: sha256 of the safetensors header, so a retrained model of
the same shapes and storage still fits) or ``govie_weights_sha256`` (embedded: the file).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from govie.model.onnx_backend import HIDDEN, INPUTS, ONNX, OUTPUTS

OPSET = 17


def load_net(model_dir: Path, attn: str = "eager"):
    """(TaggerNet of ``model_dir`` in fp32, eval mode, attention ``attn``; govie.json; encoder config)."""
    from govie.model.tagger import read_govie_json
    from govie.model.torch_net import load_net as load_tagger_net

    cfg = read_govie_json(model_dir)
    net = load_tagger_net(model_dir, cfg, attn=attn)
    return net, cfg, net.encoder.config


def _probs_module(net):
    import torch

    class Probs(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            h = self.inner.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            a, b = self.inner.head_a(h), self.inner.head_b(h)  # dropout is the identity in eval mode
            return torch.softmax(a.float(), -1), torch.softmax(b.float(), -1), h.float()

    return Probs(net).eval()


def export_fp32(net, path: Path, vocab_size: int, fold: bool = True) -> None:
    """torch.onnx.export of the net (softmaxed heads) with dynamic batch and sequence axes;
    ``fold=False`` keeps the parameters as named initializers (``inner.<state key>``) for
    :func:`link_weights`."""
    import torch

    g = torch.Generator().manual_seed(0)
    ids = torch.randint(4, max(5, vocab_size), (2, 24), generator=g)
    att = torch.ones_like(ids)
    att[1, 16:] = 0
    axes = {0: "batch", 1: "seq"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python branches
        torch.onnx.export(_probs_module(net), (ids, att), str(path), dynamo=False, opset_version=OPSET,
                          input_names=list(INPUTS), output_names=[*OUTPUTS, HIDDEN],
                          dynamic_axes={n: axes for n in (*INPUTS, *OUTPUTS, HIDDEN)}, do_constant_folding=fold)


def optimize_bert(src: Path, dst: Path, num_heads: int, hidden: int) -> dict[str, int]:
    """onnxruntime's transformer optimizer (model_type bert, fp32); returns the fused-op counts."""
    from onnxruntime.transformers.optimizer import optimize_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = optimize_model(str(src), model_type="bert", num_heads=num_heads, hidden_size=hidden,
                             opt_level=None, use_gpu=False)
    opt.save_model_to_file(str(dst))
    try:
        return {k: int(v) for k, v in opt.get_fused_operator_statistics().items() if v}
    except (AttributeError, KeyError, TypeError, ValueError):  # statistics are informational only
        return {}


def quantize_int8(src: Path, dst: Path, per_channel: bool = False, heads: bool = False,
                  embeddings: bool = False, keep_fp32: str | None = None) -> list[str]:
    """Dynamic int8 (QInt8 weights, uint8 activations) of MatMul/Attention/Gather weights;
    the heads' MatMuls and the embedding Gathers excluded unless asked, and the nodes whose
    name matches the regular expression ``keep_fp32``. Returns the excluded nodes."""
    import re

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(src))
    exclude = []
    for node in model.graph.node:
        name = node.name
        head = not heads and "head_" in name
        emb = not embeddings and node.op_type in ("Gather", "EmbedLayerNormalization") and "embeddings" in name.lower()
        if head or emb or (keep_fp32 and re.search(keep_fp32, name)):
            exclude.append(name)
    op_types = ["MatMul", "Attention", "Gather", "EmbedLayerNormalization"] if embeddings else ["MatMul", "Attention"]
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=per_channel,
                     nodes_to_exclude=exclude, op_types_to_quantize=op_types,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})  # fused ops lack shape inference
    return exclude


def safetensors_index(path: Path) -> tuple[int, dict[str, dict]]:
    """(offset of the data section, header) of a safetensors file: ``header[name]`` has
    ``dtype``, ``shape`` and ``data_offsets`` (relative to the data section)."""
    with open(path, "rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        header = json.loads(fh.read(n))
    header.pop("__metadata__", None)
    return 8 + n, header


_ST_DTYPES = {"F32": "FLOAT", "F16": "FLOAT16", "BF16": "BFLOAT16", "I8": "INT8"}


def link_weights(src: Path, dst: Path, weights: Path, prefix: str = "inner.") -> dict[str, int]:
    """Rewrite the (unfolded) export ``src`` so that its parameters are read from ``weights``
    (the directory's model.safetensors, which must sit beside ``dst``) as ONNX external data:
    no weight is stored twice. fp16 tensors get a Cast to float, int8 ones (storage int8) a
    Cast and a Mul by their ``.__scale__`` rows; onnxruntime folds these at session load.
    Initializers without a stored tensor (buffers, constants) stay in the graph."""
    import onnx
    from onnx import TensorProto, helper

    from govie.model.tagger import SCALE_SUFFIX

    if Path(weights).resolve().parent != Path(dst).resolve().parent:
        raise ValueError(f"{dst}: a linked model.onnx must sit beside {weights} (onnxruntime reads "
                         "external data from the model's own directory)")
    base, header = safetensors_index(weights)
    location = Path(weights).name
    model = onnx.load(str(src))
    g = model.graph

    def external(name: str, key: str) -> onnx.TensorProto:
        h = header[key]
        t = TensorProto()
        t.name = name
        t.data_type = getattr(TensorProto, _ST_DTYPES[h["dtype"]])
        t.dims.extend(h["shape"])
        t.data_location = TensorProto.EXTERNAL
        b, e = h["data_offsets"]
        for k, v in (("location", location), ("offset", str(base + b)), ("length", str(e - b))):
            entry = t.external_data.add()
            entry.key, entry.value = k, v
        return t

    keep, new_inits, pre_nodes = [], [], []
    stats = {"linked": 0, "inline": 0}
    for init in g.initializer:
        key = init.name.removeprefix(prefix)
        h = header.get(key)
        if h is None or h["dtype"] not in _ST_DTYPES or list(h["shape"]) != list(init.dims) \
                or init.data_type != TensorProto.FLOAT:
            keep.append(init)
            stats["inline"] += 1
            continue
        stats["linked"] += 1
        if h["dtype"] == "F32":
            new_inits.append(external(init.name, key))
        elif key + SCALE_SUFFIX in header:  # int8 rows with their scales
            q, sc = init.name + "::int8", init.name + "::scale"
            new_inits += [external(q, key), external(sc, key + SCALE_SUFFIX)]
            pre_nodes += [helper.make_node("Cast", [q], [q + "::f"], to=TensorProto.FLOAT),
                          helper.make_node("Cast", [sc], [sc + "::f"], to=TensorProto.FLOAT),
                          helper.make_node("Mul", [q + "::f", sc + "::f"], [init.name])]
        else:
            raw = init.name + "::" + h["dtype"].lower()
            new_inits.append(external(raw, key))
            pre_nodes.append(helper.make_node("Cast", [raw], [init.name], to=TensorProto.FLOAT))
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    nodes = pre_nodes + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.save(model, str(dst))  # external tensors keep their location: nothing is written beside dst
    return stats


def set_metadata(path: Path, meta: dict[str, str]) -> None:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    keep = [p for p in model.metadata_props if p.key not in meta]
    del model.metadata_props[:]
    model.metadata_props.extend(keep)
    for k, v in meta.items():
        p = model.metadata_props.add()
        p.key, p.value = k, str(v)
    onnx.save(model, str(path))


def check(net, path: Path, vocab_size: int, pad_id: int, max_len: int = 258, seed: int = 0) -> float:
    """Max abs difference of torch and onnxruntime probabilities on random padded batches
    (several batch sizes and lengths up to ``max_len``, real tokens only)."""
    import numpy as np
    import torch

    from govie.model.onnx_backend import OnnxNet

    onet = OnnxNet(path, threads=1)
    g = torch.Generator().manual_seed(seed)
    worst = 0.0
    for batch, T in ((1, 3), (1, min(40, max_len)), (3, min(97, max_len)), (5, max_len)):
        ids = torch.randint(4, max(5, vocab_size), (batch, T), generator=g)
        att = torch.ones_like(ids)
        for r in range(1, batch):
            n = max(2, T - 13 * r)
            att[r, n:] = 0
            ids[r, n:] = pad_id
        with torch.inference_mode():
            ta, tb, th = _probs_module(net)(ids, att)
        oa, ob = onet.probs(ids.numpy(), att.numpy())
        (oh,) = onet.session.run([HIDDEN], {INPUTS[0]: ids.numpy(), INPUTS[1]: att.numpy()})
        m = att.numpy().astype(bool)
        for t, o in ((ta.numpy(), oa), (tb.numpy(), ob), (th.numpy(), oh)):
            worst = max(worst, float(np.abs(t - o)[m].max()))
    return worst


def export(model_dir, out=None, int8: bool = False, optimize: bool = True, per_channel: bool = False,
           quantize_heads: bool = False, quantize_embeddings: bool = False, keep_fp32: str | None = None,
           attn: str = "eager", tolerance: float | None = None, link: bool | None = None) -> dict[str, Any]:
    """Export ``model_dir`` to ``out`` (default ``model_dir/model.onnx``); see the module doc.

    link: read the weights from the directory's model.safetensors instead of storing them in
    the file (fp32 only; ``out`` must then sit beside it); None: link when possible."""
    from govie.model.tagger import WEIGHTS

    model_dir = Path(model_dir)
    out = Path(out) if out else model_dir / ONNX
    weights = model_dir / WEIGHTS
    beside = out.resolve().parent == weights.resolve().parent
    if link is None:
        link = not int8 and beside
    elif link and (int8 or not beside):
        raise ValueError("link needs an fp32 export written beside model.safetensors")
    net, cfg, config = load_net(model_dir, attn=attn)
    vocab, pad_id = int(config.vocab_size), int(cfg["pad_id"])
    info: dict[str, Any] = {"model_dir": str(model_dir), "out": str(out), "int8": int8,
                            "optimize": optimize and not link, "linked": link}
    from govie.model.onnx_backend import file_sha256, weights_layout

    meta = {"govie_format": cfg.get("format", ""), "govie_quantize": "int8" if int8 else "none",
            "govie_weights": WEIGHTS if link else "embedded"}
    if link:  # checked at load (OnnxNet.check_weights): a linked file fits any weights of this layout
        meta["govie_weights_layout"] = weights_layout(weights)
    else:  # an embedded file is stale once the directory's weights change
        meta["govie_weights_sha256"] = file_sha256(weights)
    with tempfile.TemporaryDirectory(prefix="govie-onnx-") as tmp:
        cur = Path(tmp) / "fp32.onnx"
        export_fp32(net, cur, vocab, fold=not link)
        if link:  # onnxruntime's own fusions run at session load; the Python optimizer would copy weights
            out.parent.mkdir(parents=True, exist_ok=True)
            info["tensors"] = link_weights(cur, out, weights)
            set_metadata(out, {**meta, "govie_optimized": "0"})
            cur = None
        elif optimize:
            try:
                dst = Path(tmp) / "opt.onnx"
                info["fused"] = optimize_bert(cur, dst, int(config.num_attention_heads), int(config.hidden_size))
                cur = dst
            except Exception as exc:  # noqa: BLE001 -- an unfusable graph still runs unfused
                info["optimize_error"] = f"{type(exc).__name__}: {exc}"
                info["optimize"] = False
        if int8:
            dst = Path(tmp) / "int8.onnx"
            info["excluded"] = len(quantize_int8(cur, dst, per_channel=per_channel, heads=quantize_heads,
                                                 embeddings=quantize_embeddings, keep_fp32=keep_fp32))
            info.update(per_channel=per_channel, quantize_heads=quantize_heads,
                        quantize_embeddings=quantize_embeddings, keep_fp32=keep_fp32)
            cur = dst
        if cur is not None:
            set_metadata(cur, {**meta, "govie_optimized": "1" if info["optimize"] else "0"})
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(cur.read_bytes())
    info["bytes"] = out.stat().st_size
    max_len = min(int(cfg.get("window", 256)) + 2, int(config.max_position_embeddings))
    info["max_abs_diff"] = check(net, out, vocab, pad_id, max_len)
    if tolerance is None and not int8:
        tolerance = 1e-3
    if tolerance is not None and info["max_abs_diff"] > tolerance:
        raise ValueError(f"{out}: onnxruntime differs from torch by {info['max_abs_diff']:.2e} > {tolerance}")
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir")
    ap.add_argument("--out", default=None, help=f"output file (default MODEL_DIR/{ONNX})")
    ap.add_argument("--int8", action="store_true", help="dynamic int8 quantisation of the weights")
    ap.add_argument("--no-optimize", action="store_true", help="skip onnxruntime's BERT fusions")
    ap.add_argument("--per-channel", action="store_true", help="int8: one scale per output channel")
    ap.add_argument("--quantize-heads", action="store_true", help="int8: quantise the two heads too")
    ap.add_argument("--quantize-embeddings", action="store_true", help="int8: quantise the embeddings too")
    ap.add_argument("--keep-fp32", default=None, metavar="REGEX",
                    help="int8: keep the nodes whose name matches REGEX in fp32 (e.g. 'layer\\.3/')")
    ap.add_argument("--embed", action="store_true",
                    help="store the weights in the file (default for fp32 beside model.safetensors: "
                         "read them from model.safetensors)")
    ap.add_argument("--attn", default="eager", choices=("eager", "sdpa"), help=argparse.SUPPRESS)
    ap.add_argument("--tolerance", type=float, default=None,
                    help="fail when torch and onnxruntime differ by more (default 1e-3 fp32, none int8)")
    args = ap.parse_args(argv)
    info = export(args.model_dir, args.out, int8=args.int8, optimize=not args.no_optimize,
                  per_channel=args.per_channel, quantize_heads=args.quantize_heads,
                  quantize_embeddings=args.quantize_embeddings, keep_fp32=args.keep_fp32, attn=args.attn, tolerance=args.tolerance,
                  link=False if args.embed else None)
    print(json.dumps(info, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
