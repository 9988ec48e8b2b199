#!/usr/bin/env python3
"""Writes a small CIFAR-10-format dataset (binary version: records of 1 label byte + 3072 pixel bytes, channel-major)
for speed measurements: data_batch_1.bin with N training records and test_batch.bin with M test records. Each class
brightens a band of rows, plus seeded noise, so a model can learn it. Usage: make-cifar-subset.py DIR [N [M [SEED]]]"""
import os
import random
import sys


def record(label, rng):
    out = bytearray([label])
    for ch in range(3):
        for r in range(32):
            base = 200 if r * 10 // 32 == label else 30
            for _ in range(32):
                out.append(max(0, min(255, base + 10 * ch + rng.randrange(40) - 20)))
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    m = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 0)
    os.makedirs(d, exist_ok=True)
    for name, count in (("data_batch_1.bin", n), ("test_batch.bin", m)):
        with open(os.path.join(d, name), "wb") as f:
            for i in range(count):
                f.write(record(i % 10, rng))
    print(f"{d}: {n} training and {m} test records (CIFAR-10 binary format)")


if __name__ == "__main__":
    main()
