"""#30 item 11: the open images are offered again at the next launch (a Reopen button, not
reopened unasked) and the brush size is remembered."""

from tests.compact_models import write_image
from tests.gui.conftest import drop, make_window, wait_idle


def test_the_last_images_are_offered_and_the_brush_size_kept(qtbot, family, tmp_path):
    settings = tmp_path / "settings.ini"
    first = make_window(qtbot, family["8s"].parent, settings)
    assert first.notes.reopen_bar is None  # a first launch has nothing to offer
    a, b = write_image(tmp_path / "a.png"), write_image(tmp_path / "b.png", seed=4)
    drop(first, [a, b])
    wait_idle(qtbot, first)
    qtbot.waitUntil(lambda: len(first.session.images) == 2, timeout=60_000)
    first.annotate.state.radius = 17.0
    first.close()

    again = make_window(qtbot, family["8s"].parent, settings)
    bar = again.notes.reopen_bar
    assert bar is not None and bar.isVisible() and again.session.images == []  # offered, not reopened
    assert bar.message.text() == "Reopen the 2 images open last time (a.png, b.png)?"
    assert again.annotate.state.radius == 17.0
    bar.buttons["Reopen"].click()
    qtbot.waitUntil(lambda: len(again.session.images) == 2, timeout=60_000)
    assert [i.path for i in again.session.images] == [a, b] and not bar.isVisible()
    again.close()
