"""Rendered reps matched to the reps formcheck counted, for the benches that score per rep.

A rendered clip's truth numbers its reps 1..N; the analysis numbers the reps it counted. Where
it counted a different number (a rep split in two, two read as one, one not counted), the same
number names different reps, so each rendered rep is matched by time instead: to the counted
rep that overlaps it longest (None where none overlaps it).
"""

from __future__ import annotations


def counted_rep_of(truth_reps: list[dict], counted) -> dict[int, int | None]:
    """Rendered rep number (``truth["reps"]``: ``rep``, ``start_s``, ``end_s``) -> the number
    (``Rep.index``) of the counted rep (``result.reps``) overlapping it longest in time, or
    None."""
    out: dict[int, int | None] = {}
    for r in truth_reps:
        best, most = None, 0.0
        for c in counted:
            overlap = min(r["end_s"], c.end_s) - max(r["start_s"], c.start_s)
            if overlap > most:
                best, most = c.index, overlap
        out[r["rep"]] = best
    return out
