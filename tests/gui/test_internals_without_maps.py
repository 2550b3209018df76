"""#30 item 1: *Inside the net* never shows another image's maps, and a tiled result says at once
that it kept none (it used to keep the last image's grids until a click)."""

from dataclasses import replace

import numpy as np

from fcn_studio.engine import Segmenter
from tests.compact_models import write_image
from tests.gui.conftest import drop, wait_idle


def test_a_tiled_result_says_at_once_it_kept_no_maps_and_shows_none_of_the_last_image(qtbot, window, tmp_path,
                                                                                       monkeypatch):
    panel, vm = window.internals, window.view_model
    drop(window, [write_image(tmp_path / "horse.png", size=64)])
    wait_idle(qtbot, window, "horse.png")
    assert panel.grid.backdrop is vm.image.rgb and panel.panes["score_fr"].map.image is not None
    assert not panel.why.isVisible()

    real = Segmenter.predict

    def tiled(self, rgb, **kwargs):  # what the segmenter returns for a photo too large for one pass
        pred = real(self, rgb, **kwargs)
        return replace(pred, intermediates=None, geometry=None, tiled=True) if rgb.shape[0] == 80 else pred

    monkeypatch.setattr(Segmenter, "predict", tiled)
    drop(window, [write_image(tmp_path / "photo.png", size=80, seed=5)])
    wait_idle(qtbot, window, "photo.png")
    assert vm.prediction().tiled and vm.probe is None  # nothing clicked
    assert panel.why.isVisible() and panel.why.text().startswith("this result kept no internal maps")
    for pane in panel.panes.values():
        assert pane.map.image is None and pane.backdrop.image is None and not pane.outline.isVisible()
        assert pane.lines == [pane.lines[0]]  # the horse's map sizes and value ranges are gone
    assert panel.grid.backdrop is None


def test_while_the_next_image_computes_its_panes_are_empty_and_say_so(qtbot, window, tmp_path):
    panel, vm = window.internals, window.view_model
    drop(window, [write_image(tmp_path / "horse.png", size=64)])
    wait_idle(qtbot, window, "horse.png")
    window.runner.submit = lambda *args, **kwargs: None  # the next image's segmentation never comes back
    vm.image = vm.session.pasted_image(np.zeros((40, 40, 3), np.uint8))
    assert panel.why.isVisible() and panel.why.text() == "FCN-8s: computing…"
    assert all(p.backdrop.image is None and p.map.image is None for p in panel.panes.values())
