"""An independent reading of an mnist-ts checkpoint with numpy alone: the safetensors file parsed
from its specification, the architecture from its metadata, every layer's inference written
here (for the layouts the metadata's "weight_layout" states: a dense weight [inputs, outputs],
a conv2d weight [filters, channels, kh, kw]), and the test set scored.

    python3 read_checkpoint.py CHECKPOINT DATA_DIR

Prints one JSON line: {"test_accuracy", "logits_head"} (the first test image's logits).
"""
import json
import sys

import numpy as np

from peer_common import read_idx, read_safetensors

BN_EPSILON = 1e-5


def conv2d(x, w, b, padding):
    """x [N, C, H, W], w [F, C, K, K], stride 1, as a sum over the kernel's offsets."""
    k = w.shape[2]
    if padding == "same":
        lo = (k - 1) // 2
        x = np.pad(x, ((0, 0), (0, 0), (lo, k - 1 - lo), (lo, k - 1 - lo)))
    oh, ow = x.shape[2] - k + 1, x.shape[3] - k + 1
    y = np.zeros((x.shape[0], w.shape[0], oh, ow), dtype=np.float64)
    for i in range(k):
        for j in range(k):
            y += np.einsum("nchw,fc->nfhw", x[:, :, i:i + oh, j:j + ow], w[:, :, i, j], optimize=True)
    return y + b[None, :, None, None]


def maxpool(x, s):
    n, c, h, w = x.shape
    h, w = h // s, w // s
    return x[:, :, :h * s, :w * s].reshape(n, c, h, s, w, s).max(axis=(3, 5))


def batchnorm(x, gamma, beta, mean, var):
    shape = (1, -1, 1, 1) if x.ndim == 4 else (1, -1)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + BN_EPSILON) * gamma.reshape(shape) + beta.reshape(shape)


def forward(layers, tensors, x):
    counts = {}
    for spec in layers:
        kind = spec["type"]
        name = None
        if kind in ("dense", "conv2d", "batchnorm"):
            name = f"{kind}{counts.get(kind, 0)}"
            counts[kind] = counts.get(kind, 0) + 1
        if kind == "dense":
            x = x.reshape(x.shape[0], -1) @ tensors[f"{name}.weight"] + tensors[f"{name}.bias"]
        elif kind == "conv2d":
            x = conv2d(x.reshape(x.shape[0], *spec["input"]), tensors[f"{name}.weight"], tensors[f"{name}.bias"], spec["padding"])
        elif kind == "batchnorm":
            x = batchnorm(x.reshape(x.shape[0], *spec["shape"]), *(tensors[f"{name}.{p}"] for p in ("weight", "bias", "running_mean", "running_var")))
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "maxpool2d":
            x = maxpool(x.reshape(x.shape[0], *spec["input"]), spec["size"])
        elif kind == "flatten":
            x = x.reshape(x.shape[0], -1)
        elif kind == "globalavgpool":
            x = x.reshape(x.shape[0], *spec["input"]).mean(axis=(2, 3))
        elif kind != "dropout":
            sys.exit(f"read_checkpoint: layer type '{kind}' is not known here")
    return x


def main():
    path, data_dir = sys.argv[1], sys.argv[2]
    tensors, metadata = read_safetensors(path)
    layers = json.loads(metadata["architecture"])
    images = read_idx(data_dir, "t10k-images-idx3-ubyte").astype(np.float64) / 255
    labels = read_idx(data_dir, "t10k-labels-idx1-ubyte")
    first = layers[0]
    shape = first["input"] if first["type"] == "conv2d" else [784]
    correct, head = 0, None
    for start in range(0, len(labels), 500):
        logits = forward(layers, tensors, images[start:start + 500].reshape(-1, *shape))
        head = logits[0].tolist() if head is None else head
        correct += int((logits.argmax(axis=1) == labels[start:start + 500]).sum())
    print(json.dumps({"test_accuracy": correct / len(labels), "logits_head": head}))


main()
