#!/usr/bin/env python3
"""Reference trainer for bitsearch's `process` trainer kind: quantization-aware training in PyTorch.

It speaks the JSON-lines protocol of README.md ("The process trainer protocol"): one `start` line on stdin, then
for task `train` one `epoch` line on stdout per epoch, each answered by `continue` or `stop`; for task `test` one
`test` line; for task `export` one `exported` line. Everything else it prints goes to stderr.

The quantizers are those of bitsearch's DL4J trainer (DESIGN.md), applied to every weight layer's weights with a
straight-through estimator (the forward pass uses Q(W), the gradient updates the full-precision W):
  k = 3..8  symmetric uniform: s = max|W| / (2^(k-1) - 1), Q(W) = clamp(round(W / s), -(2^(k-1)-1), 2^(k-1)-1) * s
  k = 2     ternary (TWN, Li et al. 2016): delta = 0.7 * mean|W|, alpha = mean |W| over |W| > delta,
            Q(W) = alpha * sign(W) where |W| > delta, else 0
  k = 1     binary (BWN, Rastegari et al. 2016): Q(W) = sign(W) * mean|W|, sign(0) = +1
  k = 32    full precision
Biases stay in full precision.

Models (the same layers as the DL4J trainer's `mlp` and `cnn`): `mlp` inputs -> hidden... -> classes (ReLU);
`cnn` conv 5x5x8 -> max-pool 2 -> conv 5x5x16 -> max-pool 2 -> dense hidden... -> classes. Data: IDX files
(`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`, `t10k-...`), pixels scaled to [0, 1]; the
validation split is held out of the training files with `--split-seed`, the test files are used only by task
`test`.

Hyperparameters read from the start message's `params` (all optional): learningRate (default 1e-3), batchSize
(128), optimizer (adam | sgd | nesterovs; default adam), momentum (0.9, for sgd/nesterovs), weightDecay (0).

`python3 train.py --data DIR --layers` prints the `layers` list for the spec and exits.
The training function `train_trial` is what examples/pytorch/optuna_driver.py calls, so that Optuna and bitsearch
train exactly the same code.

Determinism: the weights are initialised from the trial's seed, and the batch order of epoch e is drawn from
(seed, e) alone, so a run resumed from the checkpoint of epoch e reports what an uninterrupted run would
(up to the non-determinism of the device's kernels).
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

TERNARY_THRESHOLD = 0.7
CNN_CHANNELS = (8, 16)
KERNEL = 5


# ---------------------------------------------------------------- quantizers

def quantize(w, bits):
    """Q(w) for a whole tensor (one scale per tensor), as a new tensor without gradient history."""
    with torch.no_grad():
        if bits == 32:
            return w.clone()
        a = w.abs()
        if bits == 1:
            mean = a.mean()
            return torch.where(w >= 0, mean, -mean)
        if bits == 2:
            delta = TERNARY_THRESHOLD * a.mean()
            keep = a > delta
            n = keep.sum()
            alpha = (a * keep).sum() / n if n > 0 else torch.zeros((), dtype=w.dtype, device=w.device)
            return torch.where(keep, torch.where(w >= 0, alpha, -alpha), torch.zeros_like(w))
        if 3 <= bits <= 8:
            q = (1 << (bits - 1)) - 1
            m = a.max()
            if m == 0:
                return torch.zeros_like(w)
            s = m / q
            # torch.round rounds half to even, as the DL4J trainer's Math.rint
            return torch.clamp(torch.round(w / s), -q, q) * s
        raise ValueError("bits is %r, but must be 1..8 or 32" % (bits,))


def ste(w, bits):
    """Straight-through estimator: the value of Q(w), the gradient of w."""
    if bits == 32:
        return w
    return w + (quantize(w, bits) - w).detach()


class QuantLinear(nn.Linear):
    def __init__(self, n_in, n_out, bits):
        super().__init__(n_in, n_out)
        self.bits = bits

    def forward(self, x):
        return F.linear(x, ste(self.weight, self.bits), self.bias)


class QuantConv2d(nn.Conv2d):
    def __init__(self, n_in, n_out, kernel, bits):
        super().__init__(n_in, n_out, kernel)
        self.bits = bits

    def forward(self, x):
        return F.conv2d(x, ste(self.weight, self.bits), self.bias)


def xavier(module):
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


class Net(nn.Module):
    def __init__(self, model, hidden, rows, cols, classes, bits):
        super().__init__()
        specs = layer_specs(model, hidden, rows, cols, classes)
        if len(bits) != len(specs):
            raise ValueError("bits has %d entries, but the model %s has %d quantizable layers"
                             % (len(bits), model, len(specs)))
        self.model = model
        self.convs = nn.ModuleList()
        self.denses = nn.ModuleList()
        q = 0
        if model == "cnn":
            c_in = 1
            for c in CNN_CHANNELS:
                self.convs.append(QuantConv2d(c_in, c, KERNEL, bits[q]))
                q += 1
                c_in = c
        for kind, n_in, n_out in [(k, i, o) for (k, i, o) in specs_io(model, hidden, rows, cols, classes) if k == "dense"]:
            self.denses.append(QuantLinear(n_in, n_out, bits[q]))
            q += 1
        self.rows, self.cols = rows, cols

    def forward(self, x):
        if self.model == "cnn":
            x = x.view(-1, 1, self.rows, self.cols)
            for conv in self.convs:
                x = F.max_pool2d(F.relu(conv(x)), 2)
            x = x.flatten(1)
        for i, d in enumerate(self.denses):
            x = d(x)
            if i + 1 < len(self.denses):
                x = F.relu(x)
        return x

    def quant_layers(self):
        return list(self.convs) + list(self.denses)


def specs_io(model, hidden, rows, cols, classes):
    """(kind, inputs, outputs) of each quantizable layer, in forward order."""
    out = []
    if model == "cnn":
        h, w, c_in = rows, cols, 1
        for c in CNN_CHANNELS:
            out.append(("conv", c_in, c))
            h, w, c_in = (h - KERNEL + 1) // 2, (w - KERNEL + 1) // 2, c
            if h < 1 or w < 1:
                raise ValueError("images of %dx%d are too small for the cnn" % (rows, cols))
        inputs = h * w * c_in
    elif model == "mlp":
        inputs = rows * cols
    else:
        raise ValueError("model is %r, but must be mlp or cnn" % (model,))
    for size in hidden:
        out.append(("dense", inputs, size))
        inputs = size
    out.append(("dense", inputs, classes))
    return out


def layer_specs(model, hidden, rows, cols, classes):
    """The spec's `layers` list: {name, weights, biases} per quantizable layer (names as the DL4J trainer's)."""
    specs = []
    for i, (kind, n_in, n_out) in enumerate(specs_io(model, hidden, rows, cols, classes)):
        weights = n_in * n_out * (KERNEL * KERNEL if kind == "conv" else 1)
        specs.append({"name": "%s%d" % (kind, i), "weights": weights, "biases": n_out})
    return specs


def size_bits(specs, bits):
    """Model size as bitsearch counts it: weights at their bit-width, one 32-bit scale per quantized tensor,
    biases at 32 bits."""
    return sum(s["weights"] * b + (32 if b != 32 else 0) + 32 * s["biases"] for s, b in zip(specs, bits))


# ---------------------------------------------------------------- data

def _open(path):
    if os.path.exists(path):
        return open(path, "rb")
    if os.path.exists(path + ".gz"):
        return gzip.open(path + ".gz", "rb")
    raise FileNotFoundError("neither %s nor %s.gz exists" % (path, path))


def read_idx(path):
    """An IDX file (MNIST format, optionally gzipped) as a uint8 tensor."""
    with _open(path) as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    expected = 4 + 4 * dims + math.prod(shape)
    if len(data) != expected:
        raise ValueError("%s: %d bytes, but its header says %d" % (path, len(data), expected))
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def load_split(data_dir, prefix):
    images = read_idx(os.path.join(data_dir, prefix + "-images-idx3-ubyte"))
    labels = read_idx(os.path.join(data_dir, prefix + "-labels-idx1-ubyte")).long()
    if images.shape[0] != labels.shape[0]:
        raise ValueError("%s: %d images but %d labels" % (prefix, images.shape[0], labels.shape[0]))
    return images.float().div_(255.0).flatten(1), labels, images.shape[1], images.shape[2]


class Data:
    """Training, validation (held out of the training files) and test splits, on `device`."""

    def __init__(self, data_dir, train_subset, validation_size, split_seed, device, with_test=False):
        x, y, self.rows, self.cols = load_split(data_dir, "train")
        n = x.shape[0]
        if validation_size < 1 or validation_size >= n:
            raise ValueError("validation-size is %d, but must be in 1..%d" % (validation_size, n - 1))
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(split_seed))
        val, rest = perm[:validation_size], perm[validation_size:]
        if train_subset > 0:
            rest = rest[:train_subset]
        self.x_train, self.y_train = x[rest].to(device), y[rest].to(device)
        self.x_val, self.y_val = x[val].to(device), y[val].to(device)
        self.classes = int(y.max().item()) + 1
        self.x_test = self.y_test = None
        if with_test:
            xt, yt, _, _ = load_split(data_dir, "t10k")
            self.x_test, self.y_test = xt.to(device), yt.to(device)


# ---------------------------------------------------------------- training

class Config:
    """What the command line fixes for every trial (the spec's `command`)."""

    def __init__(self, data, model="mlp", hidden=(128, 64), train_subset=12000, validation_size=5000, split_seed=0,
                 eval_batch_size=2000, threads=1):
        self.data = data
        self.model = model
        self.hidden = list(hidden)
        self.train_subset = train_subset
        self.validation_size = validation_size
        self.split_seed = split_seed
        self.eval_batch_size = eval_batch_size
        self.threads = threads


def make_optimizer(net, params):
    lr = float(params.get("learningRate", 1e-3))
    wd = float(params.get("weightDecay", 0.0))
    name = params.get("optimizer", "adam")
    momentum = float(params.get("momentum", 0.9))
    if lr <= 0:
        raise ValueError("learningRate is %r, but must be > 0" % (lr,))
    if name == "adam":
        return torch.optim.Adam(net.parameters(), lr=lr, weight_decay=wd)
    if name == "sgd":
        return torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum, weight_decay=wd)
    if name == "nesterovs":
        return torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum, nesterov=True, weight_decay=wd)
    raise ValueError("optimizer is %r, but must be adam, sgd or nesterovs" % (name,))


def evaluate(net, x, y, batch):
    """(accuracy, mean cross-entropy) of the model with quantized weights (the forward pass quantizes)."""
    net.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            out = net(x[i:i + batch])
            loss += F.cross_entropy(out, y[i:i + batch], reduction="sum").item()
            correct += (out.argmax(1) == y[i:i + batch]).sum().item()
    n = x.shape[0]
    return correct / n, loss / n


def resolve_device(name):
    name = name or "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("BITSEARCH_DEVICE is %s, but torch sees no CUDA device" % name)
    return torch.device(name)


def torch_seed(*parts):
    """A torch seed from bitsearch's 64-bit (possibly negative) seeds: a non-negative int below 2^63."""
    x = 0
    for p in parts:
        x = (x * 1000003 + int(p)) % (1 << 63)
    return x


def build(cfg, data, bits, seed, device):
    torch.manual_seed(torch_seed(seed))
    net = Net(cfg.model, cfg.hidden, data.rows, data.cols, data.classes, bits).to(device)
    xavier(net)
    return net


def save_checkpoint(path, net, opt, epoch, seed, bits):
    tmp = path + ".tmp"
    torch.save({"epoch": epoch, "seed": seed, "bits": list(bits), "model": net.state_dict(),
                "optimizer": opt.state_dict() if opt is not None else None}, tmp)
    os.replace(tmp, path)


def load_checkpoint(path, net, opt, device):
    state = torch.load(path, map_location=device)
    net.load_state_dict(state["model"])
    if opt is not None and state.get("optimizer") is not None:
        opt.load_state_dict(state["optimizer"])
    return state["epoch"]


def train_trial(cfg, params, bits, seed, max_epochs, device="cpu", from_epoch=1, checkpoint=None,
                checkpoint_dir=None, on_epoch=None, data=None):
    """Trains one trial epoch by epoch; the function bitsearch's protocol loop and the Optuna driver share.

    After each epoch it saves `checkpoint_dir/epoch-<e>.pt` (when checkpoint_dir is given) and calls
    on_epoch(report) with report = {epoch, valAccuracy, valLoss, trainLoss, samplesPerSecond, checkpoint};
    training goes on while on_epoch returns True. Returns the list of reports.
    """
    torch.set_num_threads(max(1, cfg.threads))
    dev = resolve_device(device)
    if data is None:
        data = Data(cfg.data, cfg.train_subset, cfg.validation_size, cfg.split_seed, dev)
    net = build(cfg, data, bits, seed, dev)
    opt = make_optimizer(net, params)
    if checkpoint is not None:
        done = load_checkpoint(checkpoint, net, opt, dev)
        if done != from_epoch - 1:
            raise ValueError("checkpoint %s holds epoch %d, but fromEpoch is %d" % (checkpoint, done, from_epoch))
    batch = int(params.get("batchSize", 128))
    if batch < 1:
        raise ValueError("batchSize is %r, but must be >= 1" % (batch,))
    reports = []
    n = data.x_train.shape[0]
    for epoch in range(from_epoch, max_epochs + 1):
        net.train()
        started = time.monotonic()
        order = torch.randperm(n, generator=torch.Generator().manual_seed(torch_seed(seed, epoch))).to(dev)
        total, seen = 0.0, 0
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(data.x_train[idx]), data.y_train[idx])
            loss.backward()
            opt.step()
            total += loss.item() * idx.shape[0]
            seen += idx.shape[0]
        elapsed = time.monotonic() - started
        acc, val_loss = evaluate(net, data.x_val, data.y_val, cfg.eval_batch_size)
        report = {"type": "epoch", "epoch": epoch, "valAccuracy": acc, "valLoss": val_loss,
                  "trainLoss": total / max(1, seen), "samplesPerSecond": seen / elapsed if elapsed > 0 else 0.0}
        if checkpoint_dir is not None:
            name = "epoch-%d.pt" % epoch
            save_checkpoint(os.path.join(checkpoint_dir, name), net, opt, epoch, seed, bits)
            report["checkpoint"] = name
        reports.append(report)
        if on_epoch is not None and not on_epoch(report):
            break
    return reports


def test_accuracy(cfg, bits, seed, checkpoint, device="cpu"):
    """Test accuracy of the quantized model restored from `checkpoint`."""
    torch.set_num_threads(max(1, cfg.threads))
    dev = resolve_device(device)
    data = Data(cfg.data, cfg.train_subset, cfg.validation_size, cfg.split_seed, dev, with_test=True)
    net = build(cfg, data, bits, seed, dev)
    load_checkpoint(checkpoint, net, None, dev)
    return evaluate(net, data.x_test, data.y_test, cfg.eval_batch_size)[0]


def export_model(cfg, bits, seed, checkpoint, path, device="cpu"):
    """Writes the model with its weights replaced by their quantized values (a torch state_dict plus the layer
    list and bit-widths) to `path`, atomically."""
    dev = resolve_device(device)
    data = Data(cfg.data, cfg.train_subset, cfg.validation_size, cfg.split_seed, dev)
    net = build(cfg, data, bits, seed, dev)
    load_checkpoint(checkpoint, net, None, dev)
    with torch.no_grad():
        for layer in net.quant_layers():
            layer.weight.copy_(quantize(layer.weight, layer.bits))
    specs = layer_specs(cfg.model, cfg.hidden, data.rows, data.cols, data.classes)
    tmp = path + ".tmp"
    torch.save({"format": "bitsearch-pytorch-quantized", "model": cfg.model, "hidden": cfg.hidden,
                "layers": specs, "bits": list(bits), "sizeBits": size_bits(specs, bits),
                "state_dict": {k: v.cpu() for k, v in net.state_dict().items()}}, tmp)
    os.replace(tmp, path)


# ---------------------------------------------------------------- protocol

def send(message):
    sys.stdout.write(json.dumps(message, allow_nan=False) + "\n")
    sys.stdout.flush()


def receive():
    """The next protocol line from stdin as a dict, or None at end of input (bitsearch went away)."""
    line = sys.stdin.readline()
    if not line:
        return None
    return json.loads(line)


def finite(v):
    """JSON has no NaN: a diverged loss is sent as null (bitsearch reads null as NaN and fails the trial)."""
    return v if isinstance(v, float) and math.isfinite(v) or isinstance(v, int) else None


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="directory of the IDX files")
    p.add_argument("--model", default="mlp", choices=["mlp", "cnn"])
    p.add_argument("--hidden", default="128,64", help="hidden dense sizes, comma-separated ('' for none)")
    p.add_argument("--train-subset", type=int, default=12000, help="training samples (0 = all not held out)")
    p.add_argument("--validation-size", type=int, default=5000)
    p.add_argument("--split-seed", type=int, default=0)
    p.add_argument("--eval-batch-size", type=int, default=2000)
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    p.add_argument("--layers", action="store_true", help="print the spec's layers list and exit")
    return p.parse_args(argv)


def config_from(args):
    hidden = [int(h) for h in args.hidden.split(",") if h.strip()]
    return Config(args.data, args.model, hidden, args.train_subset, args.validation_size, args.split_seed,
                  args.eval_batch_size, args.threads)


def main(argv):
    args = parse_args(argv)
    cfg = config_from(args)
    if args.layers:
        _, _, rows, cols = load_split(cfg.data, "t10k")
        labels = read_idx(os.path.join(cfg.data, "train-labels-idx1-ubyte"))
        print(json.dumps(layer_specs(cfg.model, cfg.hidden, rows, cols, int(labels.max()) + 1)))
        return 0
    start = receive()
    if start is None or start.get("type") != "start":
        print("expected a start message on stdin, got %r" % (start,), file=sys.stderr)
        return 2
    device = os.environ.get("BITSEARCH_DEVICE", "cpu")
    task = start["task"]
    bits, seed = start["bits"], start["seed"]
    print("trial %s attempt %s: task %s on %s (CUDA_VISIBLE_DEVICES=%r)" % (
        start.get("trial"), start.get("attempt"), task, device, os.environ.get("CUDA_VISIBLE_DEVICES")),
        file=sys.stderr)
    if task == "train":
        ckdir = start["checkpointDir"]
        os.makedirs(ckdir, exist_ok=True)

        def on_epoch(report):
            for k in ("valLoss", "trainLoss"):
                report[k] = finite(report[k])
            send(report)
            reply = receive()
            if reply is None:
                print("stdin closed after epoch %d; exiting" % report["epoch"], file=sys.stderr)
                sys.exit(3)
            if reply.get("type") not in ("continue", "stop"):
                raise ValueError("expected continue or stop, got %r" % (reply,))
            return reply["type"] == "continue"

        checkpoint = start.get("checkpoint")
        train_trial(cfg, start.get("params", {}), bits, seed, start["maxEpochs"], device,
                    from_epoch=start.get("fromEpoch", 1), checkpoint=checkpoint, checkpoint_dir=ckdir,
                    on_epoch=on_epoch)
        return 0
    if task == "test":
        send({"type": "test", "testAccuracy": test_accuracy(cfg, bits, seed, start["checkpoint"], device)})
        return 0
    if task == "export":
        export_model(cfg, bits, seed, start["checkpoint"], start["exportPath"], device)
        send({"type": "exported"})
        return 0
    print("unknown task %r" % (task,), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
