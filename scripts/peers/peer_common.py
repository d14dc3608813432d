"""What the peer scripts share: reading MNIST's IDX files, safetensors files by their
specification (F32 and I64 tensors), and the torch.nn layers of an mnist-ts architecture text."""
import json
import os
import struct
import sys

import numpy as np


def read_idx(data_dir, name):
    """An IDX file as a uint8 array of its declared shape."""
    with open(os.path.join(data_dir, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


SAFETENSORS_DTYPES = {"F32": "<f4", "I64": "<i8"}


def read_safetensors(path):
    """A safetensors file as ({name: array}, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] in SAFETENSORS_DTYPES, f"{name}: dtype {info['dtype']}"
        dtype = np.dtype(SAFETENSORS_DTYPES[info["dtype"]])
        a, b = info["data_offsets"]
        tensors[name] = np.frombuffer(data, dtype=dtype, count=(b - a) // dtype.itemsize, offset=8 + n + a).reshape(info["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """{name: float32 or int64 array} as a safetensors file, as safetensors.numpy.save_file writes it."""
    names = {np.dtype("<f4"): "F32", np.dtype("<i8"): "I64"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, a in tensors.items():
        a = np.ascontiguousarray(a)
        blob = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": names[a.dtype.newbyteorder("<")], "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


# mnist-ts takes batch normalisation's statistics over each run of this many examples
# (GHOST_BATCH in src/engine/layers/batch-norm.ts).
GHOST_BATCH = 16


def ghost_batch_norm(torch, base, size):
    """A BatchNorm (base: nn.BatchNorm1d or nn.BatchNorm2d) that in training normalises each run of
    GHOST_BATCH examples by its own statistics, moving the running ones ghost batch by ghost batch,
    as mnist-ts does. A subclass, so its state_dict is a BatchNorm's."""

    class GhostBatchNorm(base):
        def forward(self, x):
            if not self.training:
                return super().forward(x)
            return torch.cat([super(GhostBatchNorm, self).forward(c) for c in x.split(GHOST_BATCH)])

    return GhostBatchNorm(size)


def torch_layers(torch, text, ghost=True):
    """The torch.nn layers of an architecture text, for [1, 28, 28] images; with ghost=False, plain
    BatchNorm layers (the same state_dict; inference alike) for printing and loading."""
    nn = torch.nn
    mods, (c, h, w), flat = [], (1, 28, 28), None
    for item in text.split(","):
        # As mnist-ts reads the text: any case, and the long names of pool and bn.
        name, *args = item.strip().lower().split(":")
        name = {"maxpool": "pool", "batchnorm": "bn"}.get(name, name)
        if name == "conv":
            f, k = int(args[0]), int(args[1])
            same = len(args) > 2 and args[2] == "same"
            mods.append(nn.Conv2d(c, f, k, padding="same" if same else 0))
            c, h, w = f, (h if same else h - k + 1), (w if same else w - k + 1)
        elif name == "pool":
            s = int(args[0])
            mods.append(nn.MaxPool2d(s))
            h, w = h // s, w // s
        elif name == "gap":
            mods += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
            h, w, flat = 1, 1, c
        elif name == "bn":
            base, size = (nn.BatchNorm1d, flat) if flat is not None else (nn.BatchNorm2d, c)
            mods.append(ghost_batch_norm(torch, base, size) if ghost else base(size))
        elif name == "relu":
            mods.append(nn.ReLU())
        elif name == "dropout":
            mods.append(nn.Dropout(float(args[0])))
        elif name in ("flatten", "dense"):
            if flat is None:
                mods.append(nn.Flatten())
                flat = c * h * w
            if name == "dense":
                mods.append(nn.Linear(flat, int(args[0])))
                flat = int(args[0])
        else:
            sys.exit(f"peers: layer '{item}' is not known here")
    return nn.Sequential(*mods)
