#!/usr/bin/env python3
"""Optuna driving the same training function as bitsearch's process trainer (train.py's `train_trial`), for the
comparison in BENCHMARKS.md.

The study is multi-objective, as bitsearch's search: maximise the final validation accuracy, minimise the model
size in bits (counted as bitsearch counts it). Sampler: Optuna's NSGAIISampler (population --population, seeded).
No pruner: Optuna does not prune multi-objective studies (Trial.should_prune raises for them), so every trial trains
all --epochs epochs. The space: learningRate log-uniform in [--lr-low, --lr-high] and one bit-width per
quantizable layer from --bits. Prints one JSON object: wall seconds, epochs trained, the front and its
hypervolume normalised as bitsearch's (reference: accuracy 0 and the all-32-bit size).

  python3 optuna_driver.py --data DIR --trials 16 --epochs 3 --seed 42
"""
import argparse
import json
import os
import sys
import time

import optuna

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402


def front_of(points):
    """Non-dominated (accuracy up, size down) points, size ascending."""
    out = []
    for p in sorted(points, key=lambda q: (q[1], -q[0])):
        if not out or p[0] > out[-1][0]:
            out.append(p)
    return out


def hypervolume(points, ref_acc, ref_size):
    front = front_of([p for p in points if p[0] > ref_acc and p[1] < ref_size])
    area = 0.0
    for i, (acc, size) in enumerate(front):
        right = min(front[i + 1][1], ref_size) if i + 1 < len(front) else ref_size
        area += (right - size) * (acc - ref_acc)
    return area / ((1 - ref_acc) * ref_size)


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--model", default="mlp")
    p.add_argument("--hidden", default="128,64")
    p.add_argument("--train-subset", type=int, default=12000)
    p.add_argument("--validation-size", type=int, default=5000)
    p.add_argument("--trials", type=int, default=16)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--population", type=int, default=8)
    p.add_argument("--bits", default="1,2,4,8")
    p.add_argument("--lr-low", type=float, default=3e-4)
    p.add_argument("--lr-high", type=float, default=1e-2)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    started = time.monotonic()
    cfg = train.Config(args.data, args.model, [int(h) for h in args.hidden.split(",") if h], args.train_subset,
                       args.validation_size, threads=args.threads)
    data = train.Data(cfg.data, cfg.train_subset, cfg.validation_size, cfg.split_seed, "cpu")
    specs = train.layer_specs(cfg.model, cfg.hidden, data.rows, data.cols, data.classes)
    allowed = [int(b) for b in args.bits.split(",")]
    epochs = [0]

    def objective(trial):
        lr = trial.suggest_float("learningRate", args.lr_low, args.lr_high, log=True)
        bits = [trial.suggest_categorical(s["name"], allowed) for s in specs]
        reports = train.train_trial(cfg, {"learningRate": lr}, bits, args.seed * 1000 + trial.number, args.epochs,
                                    "cpu", data=data)
        epochs[0] += len(reports)
        return reports[-1]["valAccuracy"], train.size_bits(specs, bits)

    study = optuna.create_study(directions=["maximize", "minimize"],
                                sampler=optuna.samplers.NSGAIISampler(population_size=args.population, seed=args.seed))
    study.optimize(objective, n_trials=args.trials)
    wall = time.monotonic() - started
    points = [(t.values[0], t.values[1]) for t in study.trials if t.values is not None]
    full = train.size_bits(specs, [32] * len(specs))
    print(json.dumps({"driver": "optuna", "optuna": optuna.__version__, "trials": len(study.trials),
                      "epochs": epochs[0], "wallSeconds": round(wall, 1),
                      "hypervolume": hypervolume(points, 0.0, full),
                      "front": [{"valAccuracy": a, "sizeBits": s} for a, s in front_of(points)]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
