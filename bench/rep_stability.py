"""Rep-count stability: how often the count changes when a few frames are dropped.

A live replay that drops frames, or a video decoded with a frame or two missing, shows the
same set; its rep count should not change. For every set this drops ``k`` random frames (the
frames removed from the sequence, the others keeping their own timestamps, as a live replay
that dropped them would see them), for each ``k`` of ``--drop`` and each of ``--seeds`` seeds,
counts the reps the way ``formcheck analyze`` does (the exercise recognised, not given:
``analyze_sequence``'s path up to ``count_reps``, without the fault rules) and tallies how
often the count differs from the full sequence's, and how often the recognised lift does.

Two kinds of set:

* rendered sets with truth (``bench/eval_reps.py``'s folders, the same defaults): also how
  many full sequences are counted right (``eval_reps.py``'s figure);
* real clips' cached poses (``--poses DIR``: every ``*.npz`` in it; e.g. the 84 shared
  clips' ``/work/cache/s16/full3``): no true count, only how often it changes.

``--every`` drops, instead of random frames, every frame in turn (``k=1``) and every pair of
neighbouring frames (``k=2``), all the places a count could flip; ``--half`` also counts
every set at half its frame rate (every other frame dropped: the odd ones, or the even ones
after the first; the first and last kept), as a camera at half the rate would film it.

    python bench/rep_stability.py [DIR ...] [--poses DIR] [--drop 1,2,5] [--seeds 5]
                                  [--every] [--half] [--list] [--set SECTION.FIELD=VALUE ...]

``--list`` names every set whose count changed, with the counts seen. Without render
folders and without ``--poses`` it reads ``eval_reps.py``'s default render folders; with
``--poses`` only, only the real clips.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from eval_reps import DEFAULT_RENDERS, sets

from formcheck.analysis.analyze import _clip_reason
from formcheck.analysis.exercise import estimate_exercise
from formcheck.analysis.features import compute_signals
from formcheck.analysis.level import leveled, roll_to_undo
from formcheck.analysis.reps import count_reps
from formcheck.config import Config, load_config
from formcheck.pose.plausible import without_upside_down
from formcheck.pose.sequence import PoseSequence


def dropped(seq: PoseSequence, k: int, rng: np.random.Generator) -> PoseSequence:
    """``seq`` without ``k`` frames drawn at random (never the first or last, which would
    only shorten the clip); the frames kept keep their own timestamps."""
    n = len(seq)
    if k <= 0 or n <= k + 2:
        return seq
    return without(seq, rng.choice(np.arange(1, n - 1), size=k, replace=False))


def without(seq: PoseSequence, drop: np.ndarray) -> PoseSequence:
    """``seq`` without the frames ``drop``; the frames kept keep their own timestamps."""
    n = len(seq)
    keep = np.setdiff1d(np.arange(n), drop)
    per_frame = {f.name: getattr(seq, f.name) for f in dataclasses.fields(seq)
                 if isinstance(getattr(seq, f.name), np.ndarray)
                 and getattr(seq, f.name).shape[:1] == (n,)}
    return dataclasses.replace(seq, **{name: a[keep] for name, a in per_frame.items()})


def draws(seq: PoseSequence, ks: list[int], seeds: int, every: bool, half: bool):
    """``(label, sequence with frames dropped)`` for every draw: ``seeds`` random ones per
    ``k`` of ``ks``, or with ``every`` each frame and each pair of neighbours in turn; with
    ``half`` also the two half-rate sequences."""
    n = len(seq)
    if every:
        for i in range(1, n - 1):
            yield "k=1", without(seq, np.array([i]))
        for i in range(1, n - 2):
            yield "k=2", without(seq, np.array([i, i + 1]))
    else:
        for k in ks:
            for seed in range(seeds):
                yield f"k={k}", dropped(seq, k, np.random.default_rng(seed))
    if half:
        for first in (1, 2):
            yield "half rate", without(seq, np.arange(first, n - 1, 2))


def rep_count(seq: PoseSequence, config: Config) -> tuple[int, str]:
    """The reps counted and the lift recognised, as ``analyze_sequence`` finds them."""
    seq = without_upside_down(seq)
    roll = roll_to_undo(seq, config.signal)
    if roll is not None:
        seq = leveled(seq, roll)
    sig = compute_signals(seq, config)
    if _clip_reason(seq, sig, config) is not None:
        return 0, "unknown"
    ex = estimate_exercise(sig, None, config.exercise, seq.model)
    return len(count_reps(sig, ex.name, config.reps).reps), ex.name


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", type=Path, nargs="*", help="render folders (eval_reps.py's)")
    ap.add_argument("--poses", type=Path, help="a folder of real clips' cached poses (*.npz)")
    ap.add_argument("--drop", default="1,2,5", help="frames dropped, comma-separated")
    ap.add_argument("--seeds", type=int, default=5, help="random draws per k")
    ap.add_argument("--every", action="store_true",
                    help="drop every frame, and every pair of neighbours, in turn")
    ap.add_argument("--half", action="store_true", help="also count at half the frame rate")
    ap.add_argument("--list", action="store_true", help="name every set whose count changed")
    ap.add_argument("--set", dest="overrides", action="append", default=[],
                    help="a setting SECTION.FIELD=VALUE, as formcheck's --set")
    args = ap.parse_args(argv)
    config = load_config(None, args.overrides)
    ks = [int(k) for k in args.drop.split(",")]
    labels = ["k=1", "k=2"] if args.every else [f"k={k}" for k in ks]
    labels += ["half rate"] if args.half else []
    items: list[tuple[str, str, Path, int | None]] = []  # (kind, name, poses, truth)
    folders = args.folders or ([] if args.poses else [f for f in DEFAULT_RENDERS if f.is_dir()])
    for folder, name, _view, _ex, truth, poses in sets(folders):
        items.append(("rendered", f"{folder}/{name}", poses,
                      len(json.loads(truth.read_text())["reps"])))
    if args.poses:
        items.extend(("real", p.name, p, None) for p in sorted(args.poses.glob("*.npz")))
    if not items:
        print("no set found", file=sys.stderr)
        return 1
    total: Counter = Counter()
    changed: Counter = Counter()
    relabelled: Counter = Counter()
    sets_changed: Counter = Counter()
    right: Counter = Counter()
    listed = []
    for kind, name, path, truth in items:
        seq = PoseSequence.load(path)
        full, ex = rep_count(seq, config)
        total[kind] += 1
        right[kind] += truth is not None and full == truth
        seen = []
        any_change = False
        for label, fewer in draws(seq, ks, args.seeds, args.every, args.half):
            n, ex_k = rep_count(fewer, config)
            total[kind, label] += 1
            changed[kind, label] += n != full
            relabelled[kind, label] += ex_k != ex
            any_change |= n != full
            seen.append(n)
        sets_changed[kind] += any_change
        if any_change:
            listed.append(f"{kind} {name}: {full} counted ({ex}"
                          f"{'' if truth is None else f', {truth} rendered'}), "
                          f"dropped frames: {sorted(Counter(seen).items())}")
    how = "every frame and pair" if args.every else f"{args.seeds} seeds per k"
    print(f"count changed / draws ({how}), recognised lift changed")
    print()
    print("| sets | n | right (full) | " + " | ".join(labels) + " | sets ever changed |")
    print("|---" * (len(labels) + 4) + "|")
    for kind in ("rendered", "real"):
        if not total[kind]:
            continue
        cells = [f"{changed[kind, k]}/{total[kind, k]} ({relabelled[kind, k]})" for k in labels]
        ok = f"{right[kind]}/{total[kind]}" if kind == "rendered" else "–"
        print(f"| {kind} | {total[kind]} | {ok} | " + " | ".join(cells)
              + f" | {sets_changed[kind]} |")
    if args.list:
        print()
        print("\n".join(listed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
