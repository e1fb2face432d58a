"""Which pose model for which mode: speed and accuracy of lite, full and heavy side by side.

For each model this prints, as Markdown tables (the ones README and docs/performance.md quote):

- **speed**: whole ``formcheck analyze`` processes on one clip (``--speed-clip``), video and page
  written, the models alternated round by round: frames per second of wall time and frames per
  CPU-second (the steadier figure on a shared machine), medians of ``--rounds``;
- **rendered truth** (the committed ``samples/``, 12 clips with exact landmarks and faults):
  frames with a person, mean landmark error against the true joints (pixels and torso lengths,
  the joints of ``bench/synth_landmark_error.py``), exercise recognised, true fault reps found
  (``bench/eval_samples.py``'s scoring) and findings of faults a clip does not have;
- **shared clips** (``../shared/clips``, 84 third-party clips with coarse per-clip labels):
  frames with a person, exercise recognised, and per back fault the shipped thresholds' counts
  and the leave-one-source-out cross-validated counts (``bench/eval_clips.py --cv``: thresholds
  fitted without the held-out source), with the share of labelled clips judged; jerky-twist
  false alarms (no clip is labelled with a jerky twist).

Poses come from caches made by the same code path as ``formcheck analyze``
(``pipeline.extract_pose``, VIDEO mode, back profile on), so the model is the only difference:
shared clips from ``--poses-root/models-<model>/<clip>.npz`` (``--extract`` computes missing
ones: about 21,400 frames per model), samples from ``--samples-cache/<model>/`` (computed when
missing or stale, checked with ``pipeline.cached_pose``). Landmarks of the shared clips are
third-party derived data: keep those caches outside the repository.

    python bench/model_choice.py [--models lite,full,heavy] [--extract]
        [--speed-clip CLIP.mp4 --rounds 3 | --no-speed] [--no-clips] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

os.environ.setdefault("GLOG_minloglevel", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import eval_clips  # noqa: E402  (bench/ siblings)
import eval_samples  # noqa: E402
import pipeline_speed  # noqa: E402
from synth_landmark_error import JOINTS  # noqa: E402

from formcheck.config import load_config  # noqa: E402
from formcheck.pose.landmarks import Landmark as L  # noqa: E402
from formcheck.pose.sequence import PoseSequence  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BACK_FAULTS = ("rounded_back", "lumbar_overextension")
#: Every rule judged on every model's poses (by default a set lite or heavy posed is not judged
#: by the rules these figures showed false warnings or misses for: session 15).
JUDGE_EVERY_MODEL = [f"{f}.judge_{m}_poses=true" for m in ("lite", "heavy")
                     for f in ("rounded_back", "lumbar_overextension", "jerky_twist")]


# ------------------------------------------------------------------------------ speed
def speed(models: list[str], clip: Path, rounds: int) -> dict[str, dict]:
    """Whole ``formcheck analyze`` runs (video and page), models alternated per round."""
    from formcheck.io.video import probe_video
    from formcheck.pose.models import resolve_model

    frames = probe_video(clip).frame_count
    runs: dict[str, list[dict]] = {m: [] for m in models}
    print(f"speed clip {clip.name}: {frames} frames; start {pipeline_speed.load()}",
          file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            for m in models:
                cmd = [sys.executable, "-m", "formcheck", "analyze", str(clip), "--model",
                       str(resolve_model(m).path), "--out", tmp, "--quiet"]
                res = pipeline_speed.run(cmd)
                runs[m].append(res)
                print(f"  round {r + 1} {m:<5} wall {res['wall']:6.2f} s cpu {res['cpu']:6.2f} s",
                      file=sys.stderr)
    print(f"  end {pipeline_speed.load()}", file=sys.stderr)
    out = {}
    for m, rs in runs.items():
        wall = statistics.median(x["wall"] for x in rs)
        cpu = statistics.median(x["cpu"] for x in rs)
        out[m] = {"frames": frames, "wall_s": wall, "cpu_s": cpu,
                  "fps_wall": frames / wall, "frames_per_cpu_s": frames / cpu,
                  "peak_mib": statistics.median(x["rss"] for x in rs), "rounds": len(rs)}
    return out


# ---------------------------------------------------------------------- rendered truth
def landmark_error(seqs: dict[str, PoseSequence], samples: Path) -> dict:
    """Detection share and error of the detected frames' joints against the rendered truth."""
    err_px, err_frac, det, total = [], [], 0, 0
    for name, seq in seqs.items():
        truth = json.loads((samples / f"{name}.json").read_text(encoding="utf-8"))
        xy_true = np.asarray(truth["per_frame"]["landmarks_image_xy"], dtype=float)
        if len(xy_true) != len(seq):
            raise SystemExit(f"{name}: {len(seq)} pose frames but {len(xy_true)} truth frames")
        torso = np.linalg.norm((xy_true[:, L.LEFT_SHOULDER] + xy_true[:, L.RIGHT_SHOULDER]) / 2
                               - (xy_true[:, L.LEFT_HIP] + xy_true[:, L.RIGHT_HIP]) / 2, axis=1)
        found = ~np.isnan(seq.image_xy[:, :, 0]).any(axis=1)
        total += len(seq)
        det += int(found.sum())
        joints = list(JOINTS)
        e = np.linalg.norm(seq.image_xy[found][:, joints].astype(float)
                           - xy_true[found][:, joints], axis=2)
        err_px.append(e)
        err_frac.append(e / torso[found, None])
    e_px, e_fr = np.concatenate(err_px), np.concatenate(err_frac)
    return {"frames": total, "detected": det, "mean_px": float(e_px.mean()),
            "median_px": float(np.median(e_px)), "mean_torso": float(e_fr.mean())}


def rendered(model: str, samples: Path, cache: Path) -> dict:
    r = eval_samples.evaluate(samples, model, cache)  # computes and caches missing poses
    seqs = {clip.stem: eval_samples.pose_for(clip, model, cache)
            for clip in sorted(samples.glob("*.mp4"))}
    return {"clips": len(seqs), "recognised": len(r["recognised"]),
            "unknown": r["unknown"], "wrong": r["wrong"], "per_fault": r["per_fault"],
            "alarms": r["alarms"], "outside": r["outside"],
            "landmarks": landmark_error(seqs, samples)}


# ------------------------------------------------------------------------ shared clips
def shared(model: str, clips: Path, poses: Path, extract: bool,
           only: set[str] | None = None) -> dict | None:
    """Figures on the shared clips (``only``: just these files)."""
    labels = json.loads((clips / "labels.json").read_text(encoding="utf-8"))
    if only is not None:
        labels = [it for it in labels if it["file"] in only]
    seqs: dict[str, PoseSequence] = {}
    for item in labels:
        seq = eval_clips.load_or_extract(clips / item["file"], poses, extract, model)
        if seq is not None:
            seqs[item["file"]] = seq
    if len(seqs) < len(labels):
        print(f"{model}: {len(labels) - len(seqs)} of {len(labels)} clips have no pose file in "
              f"{poses}; run with --extract (slow)", file=sys.stderr)
        return None
    for file, seq in seqs.items():
        if seq.model != model:
            raise SystemExit(f"{poses}: {file} was made by model {seq.model}, not {model}")
    frames = sum(len(s) for s in seqs.values())
    detected = sum(int((~np.isnan(s.image_xy[:, :, 0]).any(axis=1)).sum()) for s in seqs.values())
    rows = eval_clips.analyse(seqs, labels, load_config(None, JUDGE_EVERY_MODEL))
    plain = {f: eval_clips.score([r for r in rows if r["fault"] == f])
             for f in (*BACK_FAULTS, "jerky_twist")}
    ex = [r for r in rows if r["fault"] == BACK_FAULTS[0]]
    ok = sum(r["found_exercise"] == r["exercise"] for r in ex)
    unknown = sum(r["found_exercise"] == "unknown" for r in ex)
    cv = eval_clips.cross_validate(seqs, labels, JUDGE_EVERY_MODEL, eval_clips._parse_grid([]))
    return {"clips": len(seqs), "frames": frames, "detected": detected,
            "exercise": {"right": ok, "unknown": unknown, "wrong": len(ex) - ok - unknown},
            "plain": plain, "cv": {f: cv[f]["pooled"] for f in BACK_FAULTS}}


# ---------------------------------------------------------------------------- tables
def _counts(c: dict) -> tuple[int, int, int, int, int]:
    return tuple(int(c.get(k, 0)) for k in ("tp", "fp", "tn", "fn", "not_assessable"))


def _fault_cell(c: dict) -> str:
    tp, fp, tn, fn, na = _counts(c)
    judged, labelled = tp + fp + tn + fn, tp + fp + tn + fn + na
    found = f"{tp}/{tp + fn}" if tp + fn else "–"
    alarms = f"{fp}/{fp + tn}" if fp + tn else "–"
    return f"{found} found, {alarms} false alarms, {judged}/{labelled} judged"


def tables(figs: dict[str, dict]) -> str:
    out: list[str] = []
    if any("speed" in f for f in figs.values()):
        s0 = next(f["speed"] for f in figs.values() if "speed" in f)
        out += [f"Speed: `formcheck analyze` (video and page), {s0['frames']} frames, "
                f"medians of {s0['rounds']} alternated rounds", "",
                "| model | frames/s (wall) | frames per CPU-second | wall s | CPU s | peak MiB |",
                "|---|---|---|---|---|---|"]
        for m, f in figs.items():
            if "speed" in f:
                s = f["speed"]
                out.append(f"| {m} | {s['fps_wall']:.1f} | {s['frames_per_cpu_s']:.1f} | "
                           f"{s['wall_s']:.1f} | {s['cpu_s']:.1f} | {s['peak_mib']:.0f} |")
        out.append("")
    if any("rendered" in f for f in figs.values()):
        out += ["Rendered truth (samples/, 12 clips)", "",
                "| model | person found | landmark error mean (median) | in torso lengths "
                "| exercise | rounded reps found | over-arch reps found | jerky-twist reps found "
                "| findings of absent faults |",
                "|---|---|---|---|---|---|---|---|---|"]
        for m, f in figs.items():
            if "rendered" not in f:
                continue
            r, lm = f["rendered"], f["rendered"]["landmarks"]
            pf = r["per_fault"]
            cells = [f"{pf[k][0]}/{pf[k][1]}" + (f" ({pf[k][2]} not assessable)" if pf[k][2]
                                                 else "")
                     for k in ("rounded_back", "lumbar_overextension", "jerky_twist")]
            out.append(f"| {m} | {lm['detected']}/{lm['frames']} | {lm['mean_px']:.1f} px "
                       f"({lm['median_px']:.1f}) | {lm['mean_torso']:.3f} | "
                       f"{r['recognised']}/{r['clips']} | {' | '.join(cells)} | {r['alarms']} |")
        out.append("")
    if any(f.get("shared") for f in figs.values()):
        n = max(f["shared"]["clips"] for f in figs.values() if f.get("shared"))
        out += [f"Shared clips ({n} third-party clips, per-clip labels; back faults held out "
                "by source: thresholds fitted on the other sources)", "",
                "| model | person found (frames) | exercise right / unknown / wrong "
                "| rounded back, held out | over-extension, held out "
                "| rounded back, shipped thresholds | over-extension, shipped thresholds "
                "| jerky-twist false alarms |",
                "|---|---|---|---|---|---|---|---|"]
        for m, f in figs.items():
            c = f.get("shared")
            if not c:
                continue
            e = c["exercise"]
            _, tfp, ttn, _, tna = _counts(c["plain"]["jerky_twist"])
            out.append(
                f"| {m} | {100.0 * c['detected'] / c['frames']:.1f} % of {c['frames']} | "
                f"{e['right']} / {e['unknown']} / {e['wrong']} | "
                f"{_fault_cell(c['cv']['rounded_back'])} | "
                f"{_fault_cell(c['cv']['lumbar_overextension'])} | "
                f"{_fault_cell(c['plain']['rounded_back'])} | "
                f"{_fault_cell(c['plain']['lumbar_overextension'])} | "
                f"{tfp}/{tfp + ttn} ({tna} not assessable) |")
        out.append("")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="lite,full,heavy")
    ap.add_argument("--clips", type=Path, default=eval_clips.DEFAULT_CLIPS)
    ap.add_argument("--poses-root", type=Path, default=Path("/work/cache"),
                    help="shared-clip poses are read from ROOT/models-<model>/")
    ap.add_argument("--extract", action="store_true",
                    help="run the pose model on shared clips with no cached poses (slow)")
    ap.add_argument("--common", action="store_true",
                    help="score only the shared clips cached for every model (no extraction)")
    ap.add_argument("--samples", type=Path, default=REPO / "samples")
    ap.add_argument("--samples-cache", type=Path, default=Path("/work/cache/models-samples"))
    ap.add_argument("--speed-clip", type=Path, default=None,
                    help="clip for the end-to-end speed runs (default: the first sample)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-samples", action="store_true")
    ap.add_argument("--no-clips", action="store_true")
    ap.add_argument("--json", type=Path, help="also write every figure here")
    ap.add_argument("--reuse", type=Path, action="append", default=[],
                    help="an earlier --json: its figures fill the parts skipped now "
                         "(e.g. --no-speed --reuse speed.json)")
    args = ap.parse_args()

    models = args.models.split(",")
    figs: dict[str, dict] = defaultdict(dict)
    if not args.no_clips and not (args.clips / "labels.json").is_file():
        print(f"no shared clips at {args.clips}: skipping them (pass --clips DIR)",
              file=sys.stderr)
        args.no_clips = True
    only = None
    if args.common and not args.no_clips:
        labels = json.loads((args.clips / "labels.json").read_text(encoding="utf-8"))
        only = {it["file"] for it in labels
                if all((args.poses_root / f"models-{m}" / f"{it['file']}.npz").is_file()
                       for m in models)}
        print(f"--common: {len(only)} of {len(labels)} shared clips have poses from every model",
              file=sys.stderr)
    for m in models:
        if not args.no_samples:
            figs[m]["rendered"] = rendered(m, args.samples, args.samples_cache)
        if not args.no_clips:
            figs[m]["shared"] = shared(m, args.clips, args.poses_root / f"models-{m}",
                                       args.extract and only is None, only)
    for path in args.reuse:  # figures of an earlier --json, for parts not re-measured now
        for m, parts in json.loads(path.read_text(encoding="utf-8")).items():
            if m in models:
                for part, value in parts.items():
                    figs[m].setdefault(part, value)
    if not args.no_speed:
        clip = args.speed_clip or sorted(args.samples.glob("*.mp4"))[0]
        for m, s in speed(models, clip, args.rounds).items():
            figs[m]["speed"] = s
    print(tables(figs))
    if args.json:
        args.json.write_text(json.dumps(figs, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
