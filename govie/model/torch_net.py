"""The tagger network in torch: encoder + two linear token heads, and its weight storage.

Imported only by the torch backend of govie.model.tagger and by training; the onnxruntime
backend never needs it.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .tagger import SCALE_SUFFIX, WEIGHTS, read_govie_json


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


def quantize_int8(net: nn.Module) -> nn.Module:
    """Dynamic int8 quantisation of the Linear layers (torch.ao)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao is deprecated in favour of torchao, still works
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(net, {nn.Linear}, dtype=torch.qint8)


def load_net(model_dir, govie_cfg: dict | None = None, attn: str | None = None) -> TaggerNet:
    """The TaggerNet of a model directory (its config.json, govie.json and weights), fp32,
    in eval mode; ``attn``: the encoder's attention implementation, when given."""
    from transformers import AutoConfig

    model_dir = Path(model_dir)
    config = AutoConfig.from_pretrained(str(model_dir))
    if attn is not None:
        config._attn_implementation = attn
    net = build_net(config, govie_cfg or read_govie_json(model_dir))
    load_state(net, model_dir / WEIGHTS)
    return net.eval()
