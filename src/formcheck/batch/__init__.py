"""Batch analysis for coaches: many clips, one index page.

``inputs`` finds the clips, ``state`` decides what a rerun can skip, ``task`` is the per-clip job
(the same pipeline functions as ``formcheck analyze``), ``engines`` run tasks on a local process
pool or a Ray cluster, and ``summary`` writes ``index.html``, ``summary.csv`` and
``summary.json`` with the same rows.
"""
