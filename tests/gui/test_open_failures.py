"""Issue #17/15: a failed open of several files lists them in the dialog's body; Recent keeps only what opened."""

from tests.compact_models import write_image
from tests.gui.conftest import drop, wait_idle


def test_failed_files_are_listed_in_the_body_and_stay_out_of_recent(qtbot, window, tmp_path):
    good = write_image(tmp_path / "good.png")
    bad = [tmp_path / "broken.png", tmp_path / "empty.jpg", tmp_path / "notes.tif"]
    bad[0].write_bytes(b"no png at all")
    bad[1].write_bytes(b"")
    bad[2].write_bytes(b"II*\x00garbage")
    drop(window, [bad[0], good, bad[1], bad[2]])
    wait_idle(qtbot, window, "good.png")
    qtbot.waitUntil(lambda: len(window.errors.messages) == 3, timeout=30000)
    errors = window.errors
    lines = [errors.list.item(k).text() for k in range(errors.list.count())]
    assert errors.isVisible() and errors.list.isVisible() and errors.text() == "3 problems:"
    assert len(lines) == 3 and all(line.startswith(f"{path}: ") for line, path in zip(lines, bad, strict=True))
    assert not hasattr(errors, "detailedText")  # nothing hidden behind "Show Details"
    # one sentence under three problems must read right for three: no "The file could not …"
    assert errors.hint.text() == "Each file listed could not be read as an image; every other file opened as usual."
    errors.grab().save(str(tmp_path / "errors.png"))
    assert window.opener.recent() == [str(good)]
    assert [a.text() for a in window.actions.recent_menu.actions()] == [str(good)]
    errors.close()
    assert errors.messages == [] and errors.list.count() == 0


def test_a_folder_is_recent_only_once_one_of_its_images_opened(qtbot, window, tmp_path):
    dead, live = tmp_path / "dead", tmp_path / "live"
    dead.mkdir()
    live.mkdir()
    (dead / "x.png").write_bytes(b"junk")
    write_image(live / "y.png")
    drop(window, [dead])
    qtbot.waitUntil(lambda: window.errors.isVisible() and not window.busy(), timeout=30000)
    assert window.errors.text().startswith(str(dead / "x.png")) and window.opener.recent() == []
    assert not window.actions.recent_menu.isEnabled()
    drop(window, [live])
    wait_idle(qtbot, window, "y.png")
    assert window.opener.recent() == [str(live)]
