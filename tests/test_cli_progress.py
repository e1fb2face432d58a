"""analyze's progress bar (``cli._progress``)."""

from __future__ import annotations

from formcheck.cli import _progress


def test_a_count_past_the_header_total_grows_the_bar(capsys):
    """A .ts stream's header estimated 99 frames and the file held 159: the bar read
    "159/99"; it now grows with the count."""
    with _progress(True) as factory:
        update = factory("pose", 99)
        for done in (50, 99, 120, 159):
            update(done)
    err = capsys.readouterr().err
    assert "159/159" in err and "/99" not in err.split("159/159")[-1]
