"""bench/rep_match.py: a rendered rep is scored against the counted rep it is in time, not
the one that shares its number, where formcheck counted a different number of reps."""

from __future__ import annotations

from types import SimpleNamespace


def _truth(*spans):
    return [{"rep": i + 1, "start_s": a, "end_s": b} for i, (a, b) in enumerate(spans)]


def _counted(*spans):
    return [SimpleNamespace(index=i + 1, start_s=a, end_s=b) for i, (a, b) in enumerate(spans)]


def test_counted_rep_of(bench_modules):
    match = bench_modules("rep_match").counted_rep_of
    truth = _truth((0.3, 2.9), (2.9, 5.5), (5.5, 8.1), (8.1, 10.7))
    # The same reps, a little off in time: each its own number.
    same = _counted((0.2, 3.0), (3.0, 5.4), (5.4, 8.2), (8.2, 10.9))
    assert match(truth, same) == {1: 1, 2: 2, 3: 3, 4: 4}
    # Reps 2 and 3 read as one: both are counted rep 2, and rendered rep 4 is counted rep 3.
    merged = _counted((0.0, 3.3), (3.3, 8.5), (8.5, 10.9))
    assert match(truth, merged) == {1: 1, 2: 2, 3: 2, 4: 3}
    # The first rep not counted: nothing stands for it.
    missed = _counted((2.9, 5.5), (5.5, 8.1), (8.1, 10.7))
    assert match(truth, missed) == {1: None, 2: 1, 3: 2, 4: 3}
    assert match(truth, []) == {1: None, 2: None, 3: None, 4: None}
