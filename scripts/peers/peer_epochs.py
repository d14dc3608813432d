"""The tutorial's softmax regression, the MLP 784-256-10 and (PyTorch only) any `--layers`
architecture such as the CNN preset, trained in numpy or PyTorch on the same MNIST IDX files
mnist-ts reads, timed per epoch: the peers of `npm run bench -- --peers`. Same jobs as
scripts/bench-train-run.ts: 55000 training images (the first 5000 held out, as read_data_sets
does), a seeded reshuffle every epoch; softmax: W ~ N(0, 1), b = 0, SGD 0.01, batch 100; MLP:
He-normal weights, ReLU, SGD 0.1, batch 100; layers: the architecture text mnist-ts parses
(conv:F:K[:same], pool:S, relu, flatten, dense:N, dropout:R) on [1, 28, 28] images, Adam 0.002,
batch 64, as `mnist-ts train --model cnn` trains it. Data is preloaded as float32 arrays
(tensors for PyTorch), so an epoch times the training steps only.

    python3 peer_epochs.py numpy|torch softmax|mlp THREADS EPOCHS DATA_DIR
    python3 peer_epochs.py torch layers THREADS EPOCHS DATA_DIR LAYERS_TEXT

Prints one JSON line: {"peer", "model", "threads", "epoch_seconds", "library"}.
"""
import json
import os
import sys
import time

peer, model, threads, epochs, data_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
layers_text = sys.argv[6] if model == "layers" else None
if model == "layers" and peer != "torch":
    sys.exit("peer_epochs.py: layers architectures run on torch only")
# Thread counts are fixed before the libraries load their BLAS.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(threads)

import numpy as np  # noqa: E402
import peer_common  # noqa: E402  (next to this script)
from peer_common import torch_layers  # noqa: E402


def read_idx(name):
    return peer_common.read_idx(data_dir, name)


images = read_idx("train-images-idx3-ubyte").reshape(-1, 784)[5000:].astype(np.float32) / np.float32(255)
labels = read_idx("train-labels-idx1-ubyte")[5000:].astype(np.int64)
count, batch = images.shape[0], 64 if model == "layers" else 100
steps = count // batch
rng = np.random.default_rng(0)


def orders():
    for _ in range(epochs):
        yield rng.permutation(count)


def run_numpy():
    if model == "softmax":
        w = rng.standard_normal((784, 10)).astype(np.float32)
        b = np.zeros(10, np.float32)
        lr = np.float32(0.01)
    else:
        w1 = (rng.standard_normal((784, 256)) * np.sqrt(2 / 784)).astype(np.float32)
        b1 = np.zeros(256, np.float32)
        w2 = (rng.standard_normal((256, 10)) * np.sqrt(2 / 256)).astype(np.float32)
        b2 = np.zeros(10, np.float32)
        lr = np.float32(0.1)
    eye = np.eye(10, dtype=np.float32)
    seconds = []
    for order in orders():
        t0 = time.perf_counter()
        for s in range(steps):
            idx = order[s * batch:(s + 1) * batch]
            x, y = images[idx], eye[labels[idx]]
            if model == "softmax":
                z = x @ w + b
                p = np.exp(z - z.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
                g = (p - y) / batch
                w -= lr * (x.T @ g)
                b -= lr * g.sum(axis=0)
            else:
                h = np.maximum(x @ w1 + b1, 0)
                z = h @ w2 + b2
                p = np.exp(z - z.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
                g = (p - y) / batch
                gh = (g @ w2.T) * (h > 0)
                w2 -= lr * (h.T @ g)
                b2 -= lr * g.sum(axis=0)
                w1 -= lr * (x.T @ gh)
                b1 -= lr * gh.sum(axis=0)
        seconds.append(time.perf_counter() - t0)
    return seconds, f"numpy {np.__version__}"


def run_torch():
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x_all, y_all = torch.from_numpy(images), torch.from_numpy(labels)
    if model == "layers":
        x_all = x_all.reshape(-1, 1, 28, 28)
        net = torch_layers(torch, layers_text)
    elif model == "softmax":
        net = torch.nn.Linear(784, 10)
        with torch.no_grad():
            net.weight.normal_(0, 1)
            net.bias.zero_()
        lr = 0.01
    else:
        net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
        lr = 0.1
    opt = torch.optim.Adam(net.parameters(), lr=0.002) if model == "layers" else torch.optim.SGD(net.parameters(), lr=lr)
    seconds = []
    for order in orders():
        order_t = torch.from_numpy(order)
        t0 = time.perf_counter()
        for s in range(steps):
            idx = order_t[s * batch:(s + 1) * batch]
            net.train()
            loss = F.cross_entropy(net(x_all.index_select(0, idx)), y_all.index_select(0, idx))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
    return seconds, f"torch {torch.__version__}"


seconds, library = run_numpy() if peer == "numpy" else run_torch()
print(json.dumps({"peer": peer, "model": model, "threads": threads, "epoch_seconds": seconds, "library": library}))
