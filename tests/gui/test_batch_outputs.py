"""Run ▸ Segment a folder through the one batch pipeline: x.png and x.jpg both kept, existing
outputs replaced only once the user agrees, the output folder remembered."""

import os

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QMessageBox

from fcn_studio.app.jobs import Lane
from fcn_studio.gui.exporter import FOLDER_KEY
from tests.compact_models import write_image


def answer(monkeypatch, button):
    """Press `button` ("Replace" or "Cancel") in the next question; the questions asked."""
    asked = []

    def press(box):
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == button).click()
    monkeypatch.setattr(QMessageBox, "exec", press)
    return asked


def test_the_window_batch_keeps_same_named_inputs_apart_and_asks_before_replacing(qtbot, window, tmp_path, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    write_image(src / "x.png", size=40, seed=1)
    Image.open(write_image(tmp_path / "other.png", size=40, seed=2)).save(src / "x.jpg")
    asked = answer(monkeypatch, "Cancel")
    window.exporter.run_batch([src], out)
    qtbot.waitUntil(lambda: not window.runner.busy(Lane.BATCH), timeout=60000)
    assert sorted(os.listdir(out)) == ["x-2.png", "x-2_overlay.png", "x.png", "x_overlay.png"] and asked == []
    assert window.view_model.store.value(FOLDER_KEY) == str(out)

    before = {name: (out / name).read_bytes() for name in os.listdir(out)}
    (out / "x.png").write_bytes(b"edited by hand")
    window.exporter.run_batch([src], out)  # asked, and cancelled: nothing runs, nothing changes
    assert asked == [f"4 output file(s) exist already in {out}. Replace them?"] and not window.runner.busy(Lane.BATCH)
    assert (out / "x.png").read_bytes() == b"edited by hand"

    answer(monkeypatch, "Replace")
    window.exporter.run_batch([src], out)
    qtbot.waitUntil(lambda: not window.runner.busy(Lane.BATCH), timeout=60000)
    assert {name: (out / name).read_bytes() for name in os.listdir(out)} == before
    assert np.asarray(Image.open(out / "x.png")).shape == (40, 40)


def test_refused_outputs_are_named_in_the_error_list(qtbot, window, tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    write_image(src / "a.png", size=40)
    out.mkdir()
    (out / "a_overlay.png").write_bytes(b"keep me")
    window.exporter.run_batch([src], out, overwrite=False)
    qtbot.waitUntil(lambda: not window.runner.busy(Lane.BATCH) and bool(window.errors.messages), timeout=60000)
    assert window.errors.messages == [f"{out}: 1 output file(s) exist already (a_overlay.png)"]
    assert sorted(os.listdir(out)) == ["a_overlay.png"] and (out / "a_overlay.png").read_bytes() == b"keep me"
