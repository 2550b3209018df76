"""Issue #17/3 and /12: Batch and Export say what they wrote where, failures included, with Open folder."""

import os
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QUrl

from fcn_studio.app.jobs import Lane
from fcn_studio.gui import written_files_dialog as notice_module
from tests.compact_models import write_image
from tests.gui.conftest import drop, wait_idle

SHOTS = os.environ.get("FCN_STUDIO_SHOTS")  # set to a folder to keep the screenshots for a look


def _opened_urls(monkeypatch):
    urls = []
    monkeypatch.setattr(notice_module.QDesktopServices, "openUrl", lambda url: urls.append(QUrl(url)) or True)
    return urls


def test_batch_with_bad_files_counts_every_file_and_lists_the_failures(qtbot, window, tmp_path, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    for i in range(6):
        write_image(src / f"good{i}.png", size=32, seed=i)
    (src / "bad_a.png").write_bytes(b"this is no png")
    (src / "zz_bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")  # the last file: the old bar stopped at 7/8
    urls = _opened_urls(monkeypatch)
    window.exporter.run_batch([src], out)
    qtbot.waitUntil(lambda: not window.runner.busy(Lane.BATCH) and window.exporter.notice.isVisible(), timeout=60000)
    bar, notice = window.jobs_panel.bar, window.exporter.notice
    assert bar.value() == bar.maximum() == 8
    assert window.jobs_panel.label.text() == f"6 of 8 images segmented, 2 failed → {out} (failed: bad_a.png, zz_bad.jpg)"
    assert notice.label.text() == f"6 of 8 images segmented, 2 failed. Labels and overlays written to {out}"
    lines = [notice.list.item(k).text() for k in range(notice.list.count())]
    assert notice.list.isVisible() and len(lines) == 2
    assert "bad_a.png" in lines[0] and "zz_bad.jpg" in lines[1] and all(": " in line for line in lines)
    assert str(out) in window.status.currentMessage() and not window.errors.isVisible()
    assert sorted(p.name for p in out.iterdir()) == sorted([f"good{i}.png" for i in range(6)]
                                                         + [f"good{i}_overlay.png" for i in range(6)])
    notice.open_folder.click()
    assert urls == [QUrl.fromLocalFile(str(out))]


def test_export_says_what_it_wrote_where_and_opens_the_folder(qtbot, window, tmp_path, monkeypatch):
    drop(window, [write_image(tmp_path / "a.png")])
    wait_idle(qtbot, window, "a.png")
    urls = _opened_urls(monkeypatch)
    target = tmp_path / "exports" / "a_labels.png"
    target.parent.mkdir()
    written = window.exporter.export_labels(target)
    assert written == target and np.asarray(Image.open(target)).shape == (64, 64)
    notice = window.exporter.notice
    assert notice.isVisible() and not notice.list.isVisible()
    assert notice.label.text() == f"Wrote the labels of a.png (FCN-8s) to {target}"
    assert window.status.currentMessage() == notice.label.text()
    if SHOTS:
        notice.grab().save(str(Path(SHOTS) / "export-notice.png"))
        window.grab().save(str(Path(SHOTS) / "export-window.png"))
    notice.open_folder.click()
    assert urls == [QUrl.fromLocalFile(str(target.parent))] and Path(urls[0].toLocalFile()) == target.parent
