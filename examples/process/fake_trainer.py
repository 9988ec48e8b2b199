#!/usr/bin/env python3
"""A fake trainer for the tests of bitsearch's `process` trainer kind: the JSON-lines protocol of README.md with
no training at all (Python standard library only).

Every epoch's validation accuracy is a pure function of (seed, bits, learningRate, epoch), so a resumed trial
reports exactly what an uninterrupted one would. Checkpoints are small JSON files; a resumed run checks that its
checkpoint holds epoch fromEpoch - 1 of the same trial and fails (exit 4) otherwise.

Failure modes (--fail MODE, for the trials of --fail-trials at epoch --fail-epoch, while the attempt number is at
most --fail-attempts):
  exit                exit with code 3 before reporting the epoch
  malformed           print a broken protocol line instead of the epoch report
  missing-checkpoint  report a checkpoint file that does not exist
  silence             stop talking (sleep) before reporting the epoch
  ignore-stop         (any trial of --fail-trials, any attempt) answer `stop` by sleeping instead of exiting
  nan                 report a null (NaN) validation loss
--journal FILE appends one JSON line per event (start, epoch, child, stop, test, export) with this process's pid,
so a test can check what was sent and that no process survived. --spawn-child starts a grandchild (a sleeping
Python whose command line names the journal) to test that the whole process tree is killed.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--journal")
    p.add_argument("--epoch-seconds", type=float, default=0.0)
    p.add_argument("--fail", choices=["exit", "malformed", "missing-checkpoint", "silence", "ignore-stop", "nan"])
    p.add_argument("--fail-trials", default="")
    p.add_argument("--fail-epoch", type=int, default=1)
    p.add_argument("--fail-attempts", type=int, default=1000000)
    p.add_argument("--spawn-child", action="store_true")
    p.add_argument("--chatter", action="store_true", help="print non-protocol lines on stdout and stderr")
    return p.parse_args(argv)


def journal(args, event, **fields):
    if not args.journal:
        return
    fields.update(event=event, pid=os.getpid())
    with open(args.journal, "a") as f:
        f.write(json.dumps(fields, sort_keys=True) + "\n")


def send(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def receive():
    line = sys.stdin.readline()
    return json.loads(line) if line else None


def accuracy(seed, bits, lr, epoch):
    """A saturating curve whose ceiling grows with the mean bit-width (in (0, 1) for every input)."""
    mean_bits = sum(min(b, 8) for b in bits) / len(bits)
    ceiling = 0.55 + 0.35 * mean_bits / 8.0 - 0.05 * abs(math.log10(lr) + 2.5) / 2.5
    wobble = ((seed * 2654435761 + epoch * 40503) % 1000) / 1000.0 * 0.02
    return max(0.01, min(0.99, ceiling * (1 - math.exp(-epoch / 1.5)) + wobble))


def main(argv):
    args = parse_args(argv)
    start = receive()
    if start is None or start.get("type") != "start":
        print("fake: expected a start message, got %r" % (start,), file=sys.stderr)
        return 2
    trial, attempt, task = start["trial"], start["attempt"], start["task"]
    failing = str(trial) in [t for t in args.fail_trials.split(",") if t]
    fail_now = failing and attempt <= args.fail_attempts
    lr = float(start["params"].get("learningRate", 0.003))
    journal(args, "start", task=task, trial=trial, attempt=attempt, search=start["search"], seed=start["seed"],
            params=start["params"], bits=start["bits"], fromEpoch=start.get("fromEpoch"),
            maxEpochs=start.get("maxEpochs"), checkpoint=start.get("checkpoint"),
            checkpointDir=start.get("checkpointDir"), exportPath=start.get("exportPath"),
            device=os.environ.get("BITSEARCH_DEVICE"), cudaVisibleDevices=os.environ.get("CUDA_VISIBLE_DEVICES"))
    print("fake: trial %d attempt %d task %s" % (trial, attempt, task), file=sys.stderr)
    if args.chatter:
        send("fake trainer says hello (not a protocol line)")
    if args.spawn_child:
        # the grandchild's command line names the journal, so that a test finds it whatever its pid
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1000)", "grandchild", args.journal or ""])
        journal(args, "child", trial=trial, attempt=attempt, child=child.pid)

    done = 0
    if start.get("checkpoint"):
        with open(start["checkpoint"]) as f:
            state = json.load(f)
        if state["trial"] != trial or state["seed"] != start["seed"]:
            print("fake: checkpoint %s belongs to another trial" % start["checkpoint"], file=sys.stderr)
            return 4
        done = state["epoch"]
    if task == "test":
        send(json.dumps({"type": "test", "testAccuracy": accuracy(start["seed"], start["bits"], lr, done) - 0.01}))
        journal(args, "test", trial=trial, epoch=done)
        return 0
    if task == "export":
        with open(start["exportPath"], "w") as f:
            json.dump({"trial": trial, "epoch": done, "bits": start["bits"]}, f)
        send(json.dumps({"type": "exported"}))
        journal(args, "export", trial=trial, epoch=done)
        return 0
    if task != "train":
        print("fake: unknown task %r" % (task,), file=sys.stderr)
        return 2
    if done != start["fromEpoch"] - 1:
        print("fake: checkpoint holds epoch %d, but fromEpoch is %d" % (done, start["fromEpoch"]), file=sys.stderr)
        return 4
    ckdir = start["checkpointDir"]
    os.makedirs(ckdir, exist_ok=True)
    for epoch in range(start["fromEpoch"], start["maxEpochs"] + 1):
        time.sleep(args.epoch_seconds)
        at_fail = fail_now and epoch == args.fail_epoch
        if at_fail and args.fail == "exit":
            print("fake: failing with exit code 3 at epoch %d" % epoch, file=sys.stderr)
            return 3
        if at_fail and args.fail == "silence":
            time.sleep(100000)
        if at_fail and args.fail == "malformed":
            send('{"type": "epoch", "epoch": ')
            time.sleep(100000)
        name = "epoch-%d.json" % epoch
        if not (at_fail and args.fail == "missing-checkpoint"):
            tmp = os.path.join(ckdir, name + ".tmp")
            with open(tmp, "w") as f:
                json.dump({"trial": trial, "seed": start["seed"], "epoch": epoch}, f)
            os.replace(tmp, os.path.join(ckdir, name))
        if args.chatter:
            print("fake: epoch %d done" % epoch, file=sys.stderr)
            send("progress: epoch %d" % epoch)
        acc = accuracy(start["seed"], start["bits"], lr, epoch)
        val_loss = None if at_fail and args.fail == "nan" else 1.0 - acc
        send(json.dumps({"type": "epoch", "epoch": epoch, "valAccuracy": acc, "valLoss": val_loss,
                         "trainLoss": 1.05 - acc, "checkpoint": name}))
        journal(args, "epoch", trial=trial, attempt=attempt, epoch=epoch, valAccuracy=acc)
        reply = receive()
        if reply is None:
            print("fake: stdin closed", file=sys.stderr)
            return 5
        if reply["type"] == "stop":
            journal(args, "stop", trial=trial, attempt=attempt, epoch=epoch)
            if failing and args.fail == "ignore-stop":
                time.sleep(100000)
            return 0
        if reply["type"] != "continue":
            print("fake: expected continue or stop, got %r" % (reply,), file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
