"""The wheel over the Training form scrolls it; a combo or spin box takes the wheel only when focused.

In the real window, scrolling down to Start turned the Recipe box to "file…" and opened a file dialog."""

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from fcn_studio.gui.training_panel import TrainingPanel


def wheel_down(widget, notches: int = 1) -> None:
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(QPoint(int(centre.x()), int(centre.y())))), QPoint(0, 0),
                        QPoint(0, -120 * notches), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_form_past_unfocused_inputs_and_changes_a_focused_one(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 220)  # shorter than the form: it scrolls
    panel.show()
    qtbot.waitExposed(panel)
    form, bar = panel.form, panel.scroll.verticalScrollBar()
    assert bar.maximum() > 0
    recipe, iterations, width = form.recipe.currentIndex(), form.iterations.value(), form.width.value()
    for box in (form.recipe, form.iterations, form.width, form.stage):
        wheel_down(box, 2)
    assert (form.recipe.currentIndex(), form.iterations.value(), form.width.value()) == (recipe, iterations, width)
    assert bar.value() > 0  # the wheel went on to the scroll area
    form.iterations.setFocus()
    qtbot.waitUntil(form.iterations.hasFocus)
    wheel_down(form.iterations)
    assert form.iterations.value() == iterations - form.iterations.singleStep()
    assert form.recipe.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel alone gives no focus
