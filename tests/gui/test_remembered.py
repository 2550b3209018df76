"""#30 item 11: the open images are offered again at the next launch (a Reopen button, not
reopened unasked), the brush size is remembered, and File ▸ Open recent lists the annotation projects."""

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


def test_open_recent_lists_the_annotation_projects_and_opens_one(qtbot, family, tmp_path):
    from fcn_studio.app.annotate.workspace import new_label_set

    settings = tmp_path / "settings.ini"
    first = make_window(qtbot, family["8s"].parent, settings)
    first.annotate.session.create(tmp_path / "coins", new_label_set(["background", "coin"]))
    first.close()

    again = make_window(qtbot, family["8s"].parent, settings)
    entries = {a.text(): a for a in again.actions.recent_menu.actions() if not a.isSeparator()}
    label = f"{tmp_path / 'coins'} (project)"
    assert label in entries and again.actions.recent_menu.isEnabled()
    entries[label].trigger()
    assert again.annotate.state.project is not None and again.annotate.state.project.root == tmp_path / "coins"
    again.close()
