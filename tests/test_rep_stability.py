"""bench/rep_stability.py's draws: random frames dropped per k, or with ``--every`` each frame
and each pair of neighbours in turn, and with ``--half`` the two half-rate sequences; the first
and last frames always kept, the others keeping their own timestamps."""

from __future__ import annotations

import numpy as np

from formcheck.analysis.synthetic import SynthRep, SynthSpec, synthesize


def _squats():
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),) * 2, noise_m=0.002))
    return seq


def test_every_frame_and_pair_and_both_half_rates_are_drawn(bench_modules):
    rs = bench_modules("rep_stability")
    seq = _squats()
    n = len(seq)
    got = list(rs.draws(seq, [1, 2, 5], 3, every=True, half=True))
    labels = [label for label, _ in got]
    assert labels.count("k=1") == n - 2 and labels.count("k=2") == n - 3
    assert labels.count("half rate") == 2 and "k=5" not in labels
    kept = {label: [] for label in labels}
    for label, fewer in got:
        kept[label].append(fewer.t_s)
    for t in kept["k=1"] + kept["k=2"] + kept["half rate"]:
        assert t[0] == seq.t_s[0] and t[-1] == seq.t_s[-1]  # never the first or last
        assert np.isin(t, seq.t_s).all()  # own timestamps
    assert [len(t) for t in kept["k=1"]] == [n - 1] * (n - 2)
    step = float(seq.t_s[1] - seq.t_s[0])
    for t in kept["k=2"]:  # two neighbours
        gone = np.setdiff1d(seq.t_s, t)
        assert gone.size == 2 and np.isclose(gone[1] - gone[0], step)
    odd, even = kept["half rate"]
    assert len(odd) + len(even) == n + 2  # each about half, the ends in both


def test_random_draws_per_k(bench_modules):
    rs = bench_modules("rep_stability")
    seq = _squats()
    got = list(rs.draws(seq, [1, 5], 4, every=False, half=False))
    assert [label for label, _ in got] == ["k=1"] * 4 + ["k=5"] * 4
    assert {len(fewer) for label, fewer in got if label == "k=5"} == {len(seq) - 5}


def test_the_table_has_a_column_per_kind_of_draw(bench_modules, tmp_path, capsys):
    rs = bench_modules("rep_stability")
    poses = tmp_path / "poses"
    poses.mkdir()
    seq, _ = synthesize(SynthSpec(exercise="squat", reps=(SynthRep(),) * 2, noise_m=0.002,
                                  fps=10.0))
    seq.save(poses / "a.npz")
    assert rs.main(["--poses", str(poses), "--every", "--half"]) == 0
    out = capsys.readouterr().out
    assert "| sets | n | right (full) | k=1 | k=2 | half rate | sets ever changed |" in out
    n = len(seq)
    assert f"/{n - 2} (" in out and f"/{n - 3} (" in out and "/2 (" in out
