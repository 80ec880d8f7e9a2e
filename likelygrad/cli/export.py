"""`likelygrad export RUN_OR_CHECKPOINT model.onnx`: a trained run as an ONNX file.

By default the file takes what `predict` reads, images of the run's shape (N, H, W) as float
pixel values 0..255, and does the run's preprocessing itself (scaling to [0, 1], then the
training set's standardization), so a runtime needs nothing but the file. `--input features`
exports the bare network instead, taking preprocessed (N, H·W) features.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ..creation import from_numpy
from ..onnx.registry import register
from ..tensor import Tensor
from .config import CHECKPOINTS


class Preprocess(nn.Module):
    """A run's preprocessing as a layer: flatten, /255, then (x - mean) / std if standardized."""

    def __init__(self, stats: dict[str, np.ndarray] | None) -> None:
        super().__init__()
        self.mean = None if not stats else np.asarray(stats["mean"], np.float32)
        self.std = None if not stats else np.asarray(stats["std"], np.float32)

    def forward(self, x: Tensor) -> Tensor:
        x = x.flatten(1) / 255.0
        if self.mean is not None and self.std is not None:
            x = (x - from_numpy(self.mean)) / from_numpy(self.std)
        return x


@register(Preprocess)
def _export_preprocess(g: Any, m: Preprocess, x: str, example: Tensor) -> str:
    # the same operations in the same order as data.preprocess, so results agree to the bit
    y = g.node("Div", [g.node("Flatten", [x], axis=1), g.const(np.float32(255.0), "scale")])
    if m.mean is not None:
        y = g.node("Div", [g.node("Sub", [y, g.const(m.mean, "mean")]), g.const(m.std, "std")])
    return y


def find_checkpoint(path: str | Path) -> Path:
    """The checkpoint itself, or the one inside a run's folder."""
    p = Path(path)
    if p.is_dir():
        for name in CHECKPOINTS:
            if (p / name).is_file():
                return p / name
        raise FileNotFoundError(f"{p}: no {' or '.join(CHECKPOINTS)} in this run folder")
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such run folder or checkpoint")
    return p


def run_export(args: argparse.Namespace) -> int:
    """Write the run's model as ONNX; print what the file takes and returns."""
    from .. import onnx as lg_onnx
    from .commands import load_model

    ckpt = find_checkpoint(args.run)
    model, config, stats = load_model(str(ckpt))
    shape = tuple(config["image_shape"])
    if args.input == "pixels":
        model = nn.Sequential(Preprocess(stats or None), model)
        example = from_numpy(np.zeros((1, *shape), np.float32))
        takes = f"pixels (batch, {', '.join(map(str, shape))}) float32 in 0..255"
    else:
        example = from_numpy(np.zeros((1, int(config["in_features"])), np.float32))
        takes = f"{config['preprocess']}-preprocessed features (batch, {config['in_features']})"
    bernoulli = config["likelihood"] == "bernoulli"
    head = "logits" if args.output == "logits" else "sigmoid" if bernoulli else "softmax"
    out = Path(args.file)
    if out.suffix.lower() != ".onnx":
        raise ValueError(f"{out}: name the output file *.onnx")
    if out.exists() and not args.overwrite:
        raise FileExistsError(f"{out} exists: pass --overwrite to replace it")
    lg_onnx.export(model, out, example, head=head)
    gives = {"logits": "'logits', the network's outputs",
             "softmax": "'probs', P(class k) for each class k",
             "sigmoid": f"'probs', P(class {config.get('positive_class')})"}[head]  # fmt: skip
    print(f"wrote {out} (ONNX opset {lg_onnx.OPSET}): input 'input' = {takes}; output {gives}")
    return 0
