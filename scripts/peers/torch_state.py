"""PyTorch's side of `mnist-ts import --from-torch` and `mnist-ts export --format torch`: the
nn.Sequential of an mnist-ts architecture text (peer_common.torch_layers), trained here or loaded
from a state_dict saved as safetensors, and scored on MNIST's 10000 test images.

    python3 torch_state.py show LAYERS
        prints the nn.Sequential, whose state_dict names mnist-ts reads and writes
    python3 torch_state.py train LAYERS EPOCHS SEED DATA_DIR STATE_OUT LOGITS_OUT
        trains it (Adam 0.002, batch 64, on the 55000 training images after the first 5000, a
        seeded reshuffle every epoch; dropout as the text says), then saves its state_dict
    python3 torch_state.py check LAYERS STATE DATA_DIR LOGITS_OUT
        loads STATE with load_state_dict (strict), as an exported file is loaded

train and check write the test images' logits [10000, 10] (float32, in eval mode) to LOGITS_OUT,
a safetensors file whose metadata holds the test accuracy, and print one JSON line:
{"test_accuracy", "library"}.
"""
import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "2")
import numpy as np  # noqa: E402
import torch  # noqa: E402

from peer_common import read_idx, read_safetensors, torch_layers, write_safetensors  # noqa: E402


def test_logits(model, data_dir):
    images = read_idx(data_dir, "t10k-images-idx3-ubyte").reshape(-1, 1, 28, 28).astype(np.float32) / np.float32(255)
    labels = read_idx(data_dir, "t10k-labels-idx1-ubyte").astype(np.int64)
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(torch.from_numpy(images[i:i + 1000])) for i in range(0, len(images), 1000)]).numpy()
    return logits, float((logits.argmax(axis=1) == labels).mean())


def train(model, epochs, seed, data_dir):
    torch.manual_seed(seed)
    images = read_idx(data_dir, "train-images-idx3-ubyte").reshape(-1, 1, 28, 28)[5000:].astype(np.float32) / np.float32(255)
    labels = read_idx(data_dir, "train-labels-idx1-ubyte")[5000:].astype(np.int64)
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.002)
    loss = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        model.train()
        order = torch.from_numpy(rng.permutation(len(labels)))
        for s in range(len(labels) // 64):
            idx = order[s * 64:(s + 1) * 64]
            optimizer.zero_grad()
            loss(model(x[idx]), y[idx]).backward()
            optimizer.step()


def save_logits(path, logits, accuracy, meta):
    write_safetensors(path, {"logits": logits.astype(np.float32)}, {"test_accuracy": repr(accuracy), "torch": torch.__version__, **meta})
    print(json.dumps({"test_accuracy": accuracy, "library": f"torch {torch.__version__}"}))


def main(args):
    command, layers = args[0], args[1]
    if command == "show":
        print(torch_layers(torch, layers, ghost=False))
    elif command == "train":
        epochs, seed, data_dir, state_out, logits_out = int(args[2]), int(args[3]), args[4], args[5], args[6]
        model = torch_layers(torch, layers)
        train(model, epochs, seed, data_dir)
        write_safetensors(state_out, {k: v.numpy() for k, v in model.state_dict().items()}, {"format": "pt"})
        logits, accuracy = test_logits(model, data_dir)
        save_logits(logits_out, logits, accuracy, {"layers": layers, "epochs": str(epochs), "seed": str(seed)})
    elif command == "check":
        state, data_dir, logits_out = args[2], args[3], args[4]
        model = torch_layers(torch, layers, ghost=False)
        tensors, _ = read_safetensors(state)
        model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()})
        logits, accuracy = test_logits(model, data_dir)
        save_logits(logits_out, logits, accuracy, {"layers": layers, "state": os.path.basename(state)})
    else:
        sys.exit(f"torch_state.py: unknown command {command}; expected show, train or check")


if __name__ == "__main__":
    main(sys.argv[1:])
