"""Optuna side of `bitsearch bench` figure 8: a multi-objective search with Optuna's NSGAIISampler over the
learning rate and one bit-width per layer, every trial trained by the PyTorch reference trainer of figure 1
(`torch_reference.py`, beside this file: the same MLP, fake quantization, Adam and batch size as bitsearch).

The harness gives the exact training and validation samples bitsearch's trainer uses (--split: a JSON file
{"train": [indices], "validation": [indices]} into the training IDX file), so both sides train and validate on
the same images. Each trial: torch.manual_seed(seed * 1000 + trial number) for the initial weights, a new
shuffle of the training samples every epoch, --epochs epochs, after each the quantized model's accuracy on the
validation samples (as bitsearch's trainer measures it after every epoch). Objectives: maximise that final validation accuracy; the size is computed by the harness
(Optuna's second objective is the weight bits, sum of weights * bits, which orders candidates as the size does).
Optuna 3.1 does not prune multi-objective studies, so there is no pruner: every trial trains every epoch.

Prints progress to stderr and, at the end, one JSON object on stdout:
  {"optuna": version, "torch": version, "seconds": study wall time (after the data is loaded),
   "setupSeconds": import + data loading, "epochs": N,
   "trials": [{"number": n, "learningRate": x, "bits": [b, ...], "valAccuracy": a}, ...]}

Usage: python3 optuna_search.py --data DIR --split FILE --trials 24 --epochs 4 --population 8 --seed 42
"""
import argparse
import json
import os
import sys
import time

started = time.perf_counter()

import numpy as np  # noqa: E402
import optuna  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_reference as ref  # noqa: E402


def build(hidden, bits):
    sizes = [784] + hidden + [10]
    layers = []
    for i in range(len(sizes) - 1):
        layer = ref.QLinear(sizes[i], sizes[i + 1])
        layer.bits = bits[i]
        layers.append(layer)
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def accuracy(model, x, y, batch=2000):
    model.eval()
    right = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            right += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return right / x.shape[0]


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--split", required=True)
    p.add_argument("--trials", type=int, default=24)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--population", type=int, default=8)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--hidden", default="256,128")
    p.add_argument("--bits", default="1,2,4,8")
    p.add_argument("--lr-low", type=float, default=3e-4)
    p.add_argument("--lr-high", type=float, default=1e-2)
    p.add_argument("--batch", type=int, default=128)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    hidden = [int(h) for h in args.hidden.split(",") if h]
    allowed = [int(b) for b in args.bits.split(",")]
    with open(args.split) as f:
        split = json.load(f)
    images = ref.read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0
    labels = ref.read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    images, labels = torch.from_numpy(images), torch.from_numpy(labels)
    train_idx = torch.tensor(split["train"], dtype=torch.long)
    val_idx = torch.tensor(split["validation"], dtype=torch.long)
    x_train, y_train = images[train_idx].contiguous(), labels[train_idx].contiguous()
    x_val, y_val = images[val_idx].contiguous(), labels[val_idx].contiguous()
    layers = len(hidden) + 1
    weights = [a * b for a, b in zip([784] + hidden, hidden + [10])]
    epochs = [0]
    results = []

    def objective(trial):
        lr = trial.suggest_float("learningRate", args.lr_low, args.lr_high, log=True)
        bits = [trial.suggest_categorical("dense%d" % i, allowed) for i in range(layers)]
        seed = args.seed * 1000 + trial.number
        torch.manual_seed(seed)
        model = build(hidden, bits)
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        n = x_train.shape[0]
        for epoch in range(args.epochs):
            order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100 + epoch))
            for i in range(0, n, args.batch):
                idx = order[i:i + args.batch]
                opt.zero_grad()
                F.cross_entropy(model(x_train[idx]), y_train[idx]).backward()
                opt.step()
            epochs[0] += 1
            acc = accuracy(model, x_val, y_val)  # every epoch, as bitsearch's trainer reports
        results.append({"number": trial.number, "learningRate": lr, "bits": bits, "valAccuracy": acc})
        print("optuna: trial %d bits %s lr %.5f val %.4f" % (trial.number, bits, lr, acc), file=sys.stderr, flush=True)
        return acc, sum(w * b for w, b in zip(weights, bits))

    setup = time.perf_counter() - started
    t0 = time.perf_counter()
    c0 = time.process_time()  # CPU seconds of every thread of this process: steadier than wall time under load
    study = optuna.create_study(directions=["maximize", "minimize"],
                                sampler=optuna.samplers.NSGAIISampler(population_size=args.population, seed=args.seed))
    study.optimize(objective, n_trials=args.trials)
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    print(json.dumps({"optuna": optuna.__version__, "torch": torch.__version__, "seconds": seconds, "cpuSeconds": cpu_seconds,
                      "setupSeconds": setup, "epochs": epochs[0], "trials": results}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
