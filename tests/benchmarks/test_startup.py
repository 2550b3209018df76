"""The start-up benchmark measures whole processes from a light interpreter and sets segment's first
image beside its forward (figures are printed, never asserted as times)."""

import sys
from pathlib import Path

import pytest

from fcn_studio.benchmarks import startup
from fcn_studio.cli import main
from fcn_studio.paths import sample_images

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


def test_a_child_reports_its_own_peak_memory_and_output():
    run = startup.run_process([sys.executable, "-c", "x = bytearray(200 * 2**20); print('made')"])
    assert run.stdout == "made\n" and run.stderr == ""
    assert run.peak_mb > 200  # the child's 200 MB, counted in its own peak


def test_measuring_refuses_an_interpreter_that_holds_pytorch():
    """A forked child starts with its parent's peak on Linux: figures from here would be PyTorch's."""
    assert "torch" in sys.modules
    with pytest.raises(RuntimeError, match="without PyTorch"):
        startup.measure(1, None, "x.png")


def test_startup_rows_set_the_first_image_beside_the_forward(capsys, monkeypatch):
    measured = []
    real = startup.startup_rows
    monkeypatch.setattr(startup, "startup_rows", lambda *a, **k: measured.append(real(*a, **k)) or measured[-1])
    assert main(["bench", "--startup", "--repeat", "1"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("fcn-studio bench — ") and f"## {startup.TITLE}" in printed
    (rows,) = measured
    assert all(f"{row.name:<48}" in printed for row in rows)
    by_name = {row.name: row for row in rows}
    assert list(by_name) == [*startup.cases(sample_images()[0], Path("."), None),
                             "  of which the forward itself"]
    assert by_name["python -c pass (the interpreter alone)"].ratio == 1.0
    first, forward = by_name["fcn-studio segment IMG: to its first image"], by_name["  of which the forward itself"]
    assert 0 < forward.seconds < first.seconds and "before the forward" in first.note
    assert "path: " in forward.note and "not logged" not in forward.note
    peak = {name: float(row.note.split()[1]) for name, row in by_name.items() if row.note.startswith("peak ")}
    # `--help` loads no model and no PyTorch: far below segment's peak, near the bare interpreter's
    assert peak["fcn-studio --help"] < peak["fcn-studio segment IMG: to its first image"] / 3
