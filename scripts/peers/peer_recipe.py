"""A preset's whole recipe in PyTorch, start to exit: the peer of `npm run bench -- --to-accuracy`.

The recipe arrives as the JSON mnist-ts records in a checkpoint's "training" (the preset's, from
src/train/recipes.ts): the architecture text, epochs, batch, Adam's rate and betas, the schedule
(cosine or onecycle, in steps), label smoothing and the ±N pixel shifts; dropout is in the
architecture. The data are the same IDX files: 55000 training images (the first 5000 held out
and scored after every epoch, as mnist-ts does), a seeded reshuffle every epoch, the test set
scored at the end.

    python3 peer_recipe.py THREADS SEED DATA_DIR RECIPE_JSON

Prints one JSON line: {"test_accuracy", "epoch_seconds", "library"}; the caller times the process.
"""
import json
import math
import os
import sys

threads, seed, data_dir, recipe = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(threads)

import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import peer_common  # noqa: E402  (next to this script, as peer_epochs.py uses it)
from peer_common import torch_layers  # noqa: E402

torch.set_num_threads(threads)
torch.manual_seed(seed)


def read_idx(name):
    return peer_common.read_idx(data_dir, name)


def split(images, labels, start, end):
    x = torch.from_numpy(images[start:end].astype(np.float32) / np.float32(255)).reshape(-1, 1, 28, 28)
    return x, torch.from_numpy(labels[start:end].astype(np.int64))


train_images, train_labels = read_idx("train-images-idx3-ubyte"), read_idx("train-labels-idx1-ubyte")
held_out = recipe["validationSize"]
x_train, y_train = split(train_images, train_labels, held_out, len(train_labels))
x_val, y_val = split(train_images, train_labels, 0, held_out)
x_test, y_test = split(read_idx("t10k-images-idx3-ubyte"), read_idx("t10k-labels-idx1-ubyte"), 0, 10000)

if recipe["optimizer"] != "adam" or recipe.get("weightDecay") or recipe.get("eps") not in (None, 1e-8):
    sys.exit(f"peer_recipe.py: only Adam without weight decay is done here, not {recipe['optimizer']} {recipe.get('weightDecay')}")
net = torch_layers(torch, recipe["layers"])
batch = recipe["batchSize"]
steps = len(y_train) // batch
opt = torch.optim.Adam(net.parameters(), lr=recipe["lr"], betas=(recipe.get("beta1", 0.9), recipe.get("beta2", 0.999)))
schedule = recipe["schedule"]
if schedule["kind"] == "onecycle":
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=recipe["lr"], total_steps=schedule["total"], pct_start=schedule["warmup"],
                                                div_factor=schedule["div"], final_div_factor=schedule["finalDiv"], cycle_momentum=False)
elif schedule["kind"] == "cosine":
    floor = recipe["lr"] * schedule["floor"]
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: (floor + (recipe["lr"] - floor) * 0.5 * (1 + math.cos(math.pi * min(1, i / schedule["total"])))) / recipe["lr"])
else:
    sched = None
shift = recipe.get("augmentShift", 0)
smoothing = recipe.get("labelSmoothing", 0.0)
rows = torch.arange(28)


def shifted(x):
    """Each image moved by its own random −shift..+shift pixels along each axis, zeros coming in."""
    if shift == 0:
        return x
    n = x.shape[0]
    padded = F.pad(x, (shift, shift, shift, shift))
    dy = torch.randint(0, 2 * shift + 1, (n,))
    dx = torch.randint(0, 2 * shift + 1, (n,))
    r = (rows[None, :] + dy[:, None])[:, :, None]
    c = (rows[None, :] + dx[:, None])[:, None, :]
    return padded[torch.arange(n)[:, None, None], 0, r, c].unsqueeze(1)


def accuracy(x, y):
    net.eval()
    with torch.no_grad():
        right = sum(int((net(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum()) for i in range(0, len(y), 1000))
    return right / len(y)


rng = np.random.default_rng(seed)
epoch_seconds = []
for epoch in range(recipe["epochs"]):
    order = torch.from_numpy(rng.permutation(len(y_train)))
    t0 = time.perf_counter()
    net.train()
    for s in range(steps):
        idx = order[s * batch:(s + 1) * batch]
        loss = F.cross_entropy(net(shifted(x_train.index_select(0, idx))), y_train.index_select(0, idx), label_smoothing=smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched:
            sched.step()
    epoch_seconds.append(time.perf_counter() - t0)
    accuracy(x_val, y_val)
print(json.dumps({"test_accuracy": accuracy(x_test, y_test), "epoch_seconds": epoch_seconds, "library": f"torch {torch.__version__}"}))
