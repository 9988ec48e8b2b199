"""PyTorch reference trainer for `bitsearch bench` (figure 1): the same models, fake quantization, optimizer and
minibatches as bitsearch's DL4J trainer, to measure training throughput side by side.

Protocol: one JSON object per line on stdin, one JSON object per line on stdout.
  start:   prints {"ready": true, "torch": <version>, "threads": <intra-op threads>}
  request: {"model": "mlp"|"cnn", "bits": 32|8|4|2|1, "samples": N, "batch": B, "seed": S}
  reply:   {"samples_per_second": ..., "cpu_seconds": ..., "seconds": ..., "loss": ...}
One epoch over the first N training images (shuffled with the seed), Adam 1e-3, cross-entropy; only the
training loop is timed. Fake quantization (straight-through estimator) of every weight tensor, per tensor:
k = 3..8 symmetric uniform with s = max|W| / (2^(k-1) - 1); k = 2 ternary (TWN: threshold 0.7 mean|W|,
alpha = mean |W| above it); k = 1 binary (mean|W| sign(W)); 32 = none. Biases stay full precision.

Usage: python3 torch_reference.py --data DIR (the Fashion-MNIST IDX .gz files) [--threads 1]
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def quantize(w, bits):
    if bits == 32:
        return w
    a = w.abs()
    if bits == 1:
        q = a.mean() * torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))
    elif bits == 2:
        delta = 0.7 * a.mean()
        keep = (a > delta).to(w.dtype)
        n = keep.sum()
        alpha = (a * keep).sum() / torch.clamp(n, min=1.0)
        q = alpha * torch.sign(w) * keep
    else:
        levels = float(2 ** (bits - 1) - 1)
        s = torch.clamp(a.max(), min=1e-30) / levels
        q = torch.clamp(torch.round(w / s), -levels, levels) * s
    return w + (q - w).detach()  # straight-through estimator


class QLinear(nn.Linear):
    bits = 32

    def forward(self, x):
        return F.linear(x, quantize(self.weight, self.bits), self.bias)


class QConv(nn.Conv2d):
    bits = 32

    def forward(self, x):
        return F.conv2d(x, quantize(self.weight, self.bits), self.bias)


def mlp():
    return nn.Sequential(QLinear(784, 256), nn.ReLU(), QLinear(256, 128), nn.ReLU(), QLinear(128, 10))


class Cnn(nn.Module):
    """LeNet-style, as bitsearch's ModelFactory: conv 5x5x8, max-pool 2, conv 5x5x16, max-pool 2, dense 128, 10."""

    def __init__(self):
        super().__init__()
        self.c1, self.c2 = QConv(1, 8, 5), QConv(8, 16, 5)
        self.f1, self.f2 = QLinear(256, 128), QLinear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x.view(-1, 1, 28, 28))), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.f2(F.relu(self.f1(x.flatten(1))))


def epoch(images, labels, req):
    torch.manual_seed(req["seed"])
    model = mlp() if req["model"] == "mlp" else Cnn()
    for m in model.modules():
        if isinstance(m, (QLinear, QConv)):
            m.bits = req["bits"]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n, batch = req["samples"], req["batch"]
    order = torch.randperm(n, generator=torch.Generator().manual_seed(req["seed"]))
    x_all, y_all = images[:n], labels[:n]
    total, start, cpu = 0.0, time.perf_counter(), time.process_time()
    for i in range(0, n, batch):
        idx = order[i:i + batch]
        x, y = x_all[idx], y_all[idx]
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"samples_per_second": n / seconds, "cpu_seconds": cpu, "seconds": seconds, "loss": total / n}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    images = read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255.0
    labels = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    images, labels = torch.from_numpy(images), torch.from_numpy(labels)
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            print(json.dumps(epoch(images, labels, json.loads(line))), flush=True)
        except Exception as e:  # a bad request answers with an error and the worker goes on
            print(json.dumps({"error": repr(e)}), flush=True)


if __name__ == "__main__":
    main()
