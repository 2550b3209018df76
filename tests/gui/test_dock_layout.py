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
