#!/usr/bin/env python3
"""PyTorch side of the ResNet-20 speed benchmark (BENCHMARKS.md, figure 10; `bitsearch bench --figures 10` runs it
from the bench jar, which holds a copy made by tests/bench/pom.xml): the same ResNet-20 as bitsearch's
built-in resnet20 (He et al. 2016, CIFAR; option-B 1x1 projection shortcuts; convolutions without bias, batch norm),
trained with Adam 1e-3 for one epoch on a CIFAR-10 binary batch, one thread. Prints one JSON line with the
training samples per second (of the training loop) and the process CPU seconds it took. BITS = FIRST,MIDDLE,LAST (default 32,32,32: FP32) fake-quantizes the stem convolution's
weights to FIRST bits, the classifier's to LAST and every other convolution's (projections included) to MIDDLE: per
tensor, symmetric uniform, s = max|W| / (2^(k-1) - 1), straight-through estimator (bench figure 10 uses 8,4,8).
Usage: resnet20_torch.py DIR [TRAIN_SAMPLES [BATCH [BITS]]]"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.utils.parametrize as parametrize


class FakeQuant(nn.Module):
    def __init__(self, bits):
        super().__init__()
        self.levels = float(2 ** (bits - 1) - 1)

    def forward(self, w):
        s = torch.clamp(w.abs().max(), min=1e-30) / self.levels
        q = torch.clamp(torch.round(w / s), -self.levels, self.levels) * s
        return w + (q - w).detach()  # straight-through estimator


def quantize(model, first, middle, last):
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    for i, m in enumerate(layers):
        bits = first if i == 0 else last if i == len(layers) - 1 else middle
        if bits < 32:
            parametrize.register_parametrization(m, "weight", FakeQuant(bits))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.proj = None
        if cin != cout or stride != 1:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return torch.relu(y + (self.proj(x) if self.proj is not None else x))


def resnet20(classes=10):
    layers = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for s, w in enumerate((16, 32, 64)):
        for b in range(3):
            layers.append(Block(cin, w, 2 if s > 0 and b == 0 else 1))
            cin = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, classes)]
    return nn.Sequential(*layers)


def main():
    d = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    torch.set_num_threads(1)
    torch.manual_seed(0)
    raw = np.fromfile(os.path.join(d, "data_batch_1.bin"), dtype=np.uint8).reshape(-1, 3073)[:n]
    y = torch.from_numpy(raw[:, 0].astype(np.int64))
    x = torch.from_numpy(raw[:, 1:].astype(np.float32) / 255).reshape(-1, 3, 32, 32)
    bits = [int(b) for b in sys.argv[4].split(",")] if len(sys.argv) > 4 else [32, 32, 32]
    model = resnet20()
    quantize(model, *bits)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    start, cpu_start = time.perf_counter(), time.process_time()
    for i in range(0, len(y), batch):
        opt.zero_grad()
        loss = loss_fn(model(x[i:i + batch]), y[i:i + batch])
        loss.backward()
        opt.step()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({"framework": "pytorch " + torch.__version__, "parameters": params, "bits": bits, "samples": len(y),
                      "seconds": seconds, "cpuSeconds": cpu_seconds, "samplesPerSecond": len(y) / seconds}))


if __name__ == "__main__":
    main()
