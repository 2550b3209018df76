"""#30 item 6: the Model card has a tall dock of its own tab, not a tab of the legend's short one,
so at the default size the shipped model's card is read whole, legend and maps still shown."""

import pytest

from fcn_studio.paths import models_dir
from tests.gui.conftest import make_window


@pytest.mark.parametrize("size", [(1400, 900)])
def test_the_model_card_is_not_cut_beside_the_legend(qtbot, tmp_path, size):
    window = make_window(qtbot, models_dir(), tmp_path / "settings.ini")
    window.resize(*size)
    docks = window.docks
    assert window.tabifiedDockWidgets(docks["legend"]) == []  # the legend shares its place with nothing
    assert docks["card"] in window.tabifiedDockWidgets(docks["internals"])
    docks["card"].raise_()
    qtbot.wait(100)
    card = window.model_card
    assert "It knows only the 16 classes below" in card.toPlainText()  # the long, shipped card
    assert card.isVisible() and window.legend.isVisible()
    assert card.verticalScrollBar().maximum() == 0, "the card scrolls: it is cut"
    window.close()


def test_a_layout_saved_by_the_older_arrangement_is_not_restored(qtbot, family, tmp_path):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDockWidget
    old = make_window(qtbot, family["8s"].parent, tmp_path / "settings.ini")
    old.removeDockWidget(old.docks["card"])  # the old arrangement: the card a tab of the legend
    old.addDockWidget(old.dockWidgetArea(old.docks["legend"]), old.docks["card"])
    old.tabifyDockWidget(old.docks["legend"], old.docks["card"])
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("geometry", old.saveGeometry())
    settings.setValue("state", old.saveState())  # saved without a layout version, as before
    settings.sync()
    old.runner.shutdown()
    again = make_window(qtbot, family["8s"].parent, tmp_path / "settings.ini")
    assert again.tabifiedDockWidgets(again.docks["legend"]) == []
    assert isinstance(again.docks["card"], QDockWidget) and again.docks["card"] in again.tabifiedDockWidgets(again.docks["internals"])
    again.close()
