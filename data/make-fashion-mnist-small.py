#!/usr/bin/env python3
"""Writes data/fashion-mnist-small/: the first TRAIN training and TEST test images of Fashion-MNIST.

Usage: python3 data/make-fashion-mnist-small.py SOURCE_DIR [TRAIN [TEST]]
  SOURCE_DIR holds the four official files (train-images-idx3-ubyte.gz, ...), e.g.
  /usr/share/datasets/fashion-mnist after `apt-get install dataset-fashion-mnist`.
Defaults: 4000 training and 1000 test images. The output is byte-for-byte reproducible (gzip without a
time stamp or file name) and comes with its SHA256SUMS.
"""
import gzip
import hashlib
import os
import struct
import sys

NAMES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "t10k": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    if magic >> 8 != 0x08:
        sys.exit(f"{path}: bad magic number 0x{magic:08x}, expected 0x000008NN (IDX, unsigned bytes)")
    rank = magic & 0xFF
    dims = list(struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank]))
    return dims, data[4 + 4 * rank:]


def write_idx(path, dims, body):
    header = struct.pack(">I", 0x0800 | len(dims)) + struct.pack(">" + "I" * len(dims), *dims)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(header + body)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = sys.argv[1]
    counts = {"train": int(sys.argv[2]) if len(sys.argv) > 2 else 4000,
              "t10k": int(sys.argv[3]) if len(sys.argv) > 3 else 1000}
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion-mnist-small")
    os.makedirs(out, exist_ok=True)
    written = []
    for split, (images, labels) in NAMES.items():
        n = counts[split]
        idims, ibody = read_idx(os.path.join(src, images + ".gz"))
        ldims, lbody = read_idx(os.path.join(src, labels + ".gz"))
        if n > idims[0] or idims[0] != ldims[0]:
            sys.exit(f"{split}: asked for {n} images, the source holds {idims[0]} images and {ldims[0]} labels")
        item = idims[1] * idims[2]
        write_idx(os.path.join(out, images + ".gz"), [n] + idims[1:], ibody[:n * item])
        write_idx(os.path.join(out, labels + ".gz"), [n], lbody[:n])
        written += [images + ".gz", labels + ".gz"]
    with open(os.path.join(out, "SHA256SUMS"), "w") as sums:
        for name in sorted(written):
            with open(os.path.join(out, name), "rb") as f:
                sums.write(f"{hashlib.sha256(f.read()).hexdigest()}  {name}\n")
    print(f"wrote {out}: {counts['train']} training and {counts['t10k']} test images")


if __name__ == "__main__":
    main()
