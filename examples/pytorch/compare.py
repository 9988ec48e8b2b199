#!/usr/bin/env python3
"""bitsearch (process trainer + train.py) against Optuna (optuna_driver.py, the same train_trial), alternated
A B A B, on the same space and budget; prints a Markdown table for BENCHMARKS.md.

Both search learningRate (log-uniform [3e-4, 1e-2]) and one bit-width per layer from {1, 2, 4, 8} for the
784-128-64-10 MLP, NSGA-II (population 8, seed 42), --trials trials of at most --epochs epochs, one trial at a
time, one torch thread. bitsearch prunes with Pareto-ASHA (minResource 1, eta 2); Optuna cannot prune a
multi-objective study, so every Optuna trial trains all epochs. Hypervolume: of the final front of (final
validation accuracy, size in bits), normalised by the all-32-bit size (bitsearch's definition), the same function
for both. Run from the repository root after `mvn -q -DskipTests package`:

  python3 examples/pytorch/compare.py --data ../shared/datasets/fashion-mnist --repeats 2
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from optuna_driver import hypervolume  # noqa: E402

LAYERS = [{"name": "dense0", "weights": 100352, "biases": 128}, {"name": "dense1", "weights": 8192, "biases": 64},
          {"name": "dense2", "weights": 640, "biases": 10}]
FULL = sum(l["weights"] * 32 + l["biases"] * 32 for l in LAYERS)


def bitsearch(args, work):
    spec = {
        "name": "compare-bitsearch", "seed": 42,
        "trainer": {"kind": "process",
                    "command": [sys.executable, os.path.join(HERE, "train.py"), "--data", os.path.abspath(args.data),
                                "--train-subset", str(args.train_subset), "--validation-size", str(args.validation_size)],
                    "env": {"OMP_NUM_THREADS": "1"}, "layers": LAYERS, "epochTimeoutSeconds": 900},
        "space": {"params": {"learningRate": {"type": "logfloat", "low": 3e-4, "high": 1e-2}},
                  "bits": {"allowed": [1, 2, 4, 8]}},
        "sampler": {"type": "nsga2", "populationSize": 8},
        "pruner": {"type": "pareto-asha", "minResource": 1, "maxResource": args.epochs, "reductionFactor": 2},
        "budget": {"maxTrials": args.trials, "maxConcurrent": 1, "maxEpochs": args.epochs, "maxRetries": 0},
    }
    path = os.path.join(work, "spec.json")
    with open(path, "w") as f:
        json.dump(spec, f)
    db = os.path.join(work, "db")
    started = time.monotonic()
    out = subprocess.run(["./bitsearch", "run", path, "--db", db, "--json", "--cpu-slots", "1"], check=True,
                         capture_output=True, text=True).stdout
    wall = time.monotonic() - started
    result = json.loads(out)
    show = json.loads(subprocess.run(["./bitsearch", "show", str(result["id"]), "--db", db, "--json"], check=True,
                                     capture_output=True, text=True).stdout)
    epochs = sum(t["epochs"] for t in show["trials"])
    points = [(p["valAccuracy"], p["sizeBits"]) for p in result["front"]]
    return {"driver": "bitsearch", "wallSeconds": round(wall, 1), "epochs": epochs,
            "hypervolume": hypervolume(points, 0.0, FULL), "pruned": result["counts"]["pruned"]}


def optuna(args):
    started = time.monotonic()
    out = subprocess.run([sys.executable, os.path.join(HERE, "optuna_driver.py"), "--data", args.data,
                          "--trials", str(args.trials), "--epochs", str(args.epochs), "--train-subset",
                          str(args.train_subset), "--validation-size", str(args.validation_size), "--seed", "42"],
                         check=True, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1")).stdout
    wall = time.monotonic() - started
    r = json.loads(out)
    return {"driver": "optuna", "wallSeconds": round(wall, 1), "epochs": r["epochs"], "hypervolume": r["hypervolume"],
            "pruned": 0}


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--trials", type=int, default=16)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--train-subset", type=int, default=12000)
    p.add_argument("--validation-size", type=int, default=5000)
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args(argv)
    rows = []
    for r in range(args.repeats):
        for name in ("bitsearch", "optuna"):
            load = os.getloadavg()[0]
            with tempfile.TemporaryDirectory() as work:
                row = bitsearch(args, work) if name == "bitsearch" else optuna(args)
            row.update(run=r + 1, loadBefore=round(load, 2))
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    print("| run | driver | wall s | epochs trained | pruned | hypervolume | load before |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| %d | %s | %.1f | %d | %d | %.4f | %.2f |" % (row["run"], row["driver"], row["wallSeconds"], row["epochs"],
                                                          row["pruned"], row["hypervolume"], row["loadBefore"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
