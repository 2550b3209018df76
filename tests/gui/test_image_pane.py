"""ImagePane draws label maps through colour tables: what reaches the screen, pixel by pixel."""

import numpy as np
import pyqtgraph as pg
import pytest

from fcn_studio.app.overlay import MARK_COLOUR, label_lut, overlay_rgba
from fcn_studio.gui.image_view import ImagePane
from tests.gui.drawn import drawn_marks, drawn_overlay

PALETTE = np.array([[0, 0, 0], [250, 0, 0], [0, 250, 0]], np.uint8)


@pytest.fixture
def pane(qtbot):
    view = pg.GraphicsView()
    qtbot.addWidget(view)
    pane = ImagePane(pg.ViewBox(enableMenu=False))
    view.setCentralItem(pane.view)
    view.resize(200, 200)
    view.show()
    pane.set_image(np.full((40, 40, 3), 100, np.uint8))
    pane.view.setRange(xRange=(0, 40), yRange=(0, 40), padding=0)
    pane.widget = view
    return pane


def screen(pane, x, y):
    """RGB on screen at image pixel (x, y)."""
    image = pane.widget.grab().toImage()
    point = pane.view.mapViewToScene(pg.Point(x + 0.5, y + 0.5))
    colour = image.pixelColor(int(point.x()), int(point.y()))
    return colour.red(), colour.green(), colour.blue()


def test_overlay_colour_opacity_and_hidden_classes_on_screen(pane):
    labels = np.zeros((40, 40), np.uint8)
    labels[:, 20:] = 1
    pane.set_lut(label_lut(PALETTE))
    pane.set_opacity(1.0)
    pane.set_overlay(labels)
    assert screen(pane, 30, 5) == (250, 0, 0) and screen(pane, 5, 5) == (0, 0, 0)
    pane.set_opacity(0.5)
    assert screen(pane, 30, 5) == pytest.approx((175, 50, 50), abs=2)
    np.testing.assert_array_equal(drawn_overlay(pane), overlay_rgba(labels, PALETTE, 0.5))
    pane.set_lut(label_lut(PALETTE, hidden={1}))
    assert screen(pane, 30, 5) == (100, 100, 100)  # the image shows through a hidden class
    pane.set_overlay(None)
    assert drawn_overlay(pane) is None and screen(pane, 5, 5) == (100, 100, 100)


def test_marks_are_magenta_where_changed_and_clear_elsewhere(pane):
    changed = np.zeros((40, 40), bool)
    changed[10:20, 10:20] = True
    pane.set_marks(changed)
    a = MARK_COLOUR[3] / 255
    assert screen(pane, 15, 15) == pytest.approx(tuple(round(c * a + 100 * (1 - a)) for c in MARK_COLOUR[:3]), abs=2)
    assert screen(pane, 30, 30) == (100, 100, 100)
    assert (drawn_marks(pane)[..., 3] > 0).tolist() == changed.tolist()
