"""The main window: builds the widgets and docks, binds each to the view model, and runs the
segmentations the model asks for.

What is shown lives in `ViewModel` (fcn_studio.app.view_model); each widget subscribes to it and
draws. The window only turns the model's `requested` events into SegmentJobs on the JobRunner and
hands their results back. It never runs the model itself and holds no model logic.

`make_model_requested` is emitted by File ▸ Make a model for your own images (and the photo note's
button of that name); the annotation workflow connects to it.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from ..app.jobs import Lane
from ..app.session import Session
from ..app.segment_requests import SegmentRequest
from ..app import view_settings
from ..app.view_model import ViewModel
from .actions import build_actions
from .annotate_control import AnnotateControl
from .annotate_panel import AnnotatePanel
from .annotation_rounds import RoundControl
from .compare_view import CompareView
from .error_dialog import ErrorDialog
from .exporter import Exporter
from .help_dialog import HelpDialog
from .image_list import ImageList
from .image_view import ImageView
from .get_models_dialog import GetModelsDialog
from .importer import Importer
from .internals_panel import InternalsPanel
from .jobs_panel import JobsPanel
from .legend_panel import LegendPanel
from .live_control import LiveControl
from .model_card import ModelCard
from .window_notes import WindowNotes
from .opener import Opener
from .status_bar import StatusBar
from .training_control import TrainingControl
from .training_panel import TrainingPanel
from .worker import JobRunner

log = logging.getLogger(__name__)

# The docks' arrangement, saved with the layout: a layout saved by a window that placed them otherwise
# (the Model card beside the legend) is not restored over this one.
LAYOUT_VERSION = 1
LEGEND_HEIGHT = 200  # px of the legend dock in the default layout: six classes (it scrolls), opacity, background


class MainWindow(QMainWindow):
    make_model_requested = Signal()  # "Make a model for your own images": start an annotation project

    def __init__(self, session: Session, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("fcn-studio")
        self.setAcceptDrops(True)
        self.session, self.settings = session, settings
        self.view_model = vm = ViewModel(session, settings)
        self.runner = JobRunner(parent=self)
        self.help: HelpDialog | None = None

        self.image_view, self.compare_view = ImageView(), CompareView()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.image_view)
        self.stack.addWidget(self.compare_view)
        central = QWidget()
        self.central_column = QVBoxLayout(central)  # notes (NoticeBar) above the image
        self.central_column.setContentsMargins(0, 0, 0, 0)
        self.central_column.setSpacing(0)
        self.central_column.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.image_list, self.legend, self.internals = ImageList(), LegendPanel(), InternalsPanel()
        self.model_card, self.jobs_panel, self.errors = ModelCard(), JobsPanel(), ErrorDialog(self)
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.actions = build_actions(self, self, vm)
        images_dock = self._dock("Images", self.image_list, Qt.DockWidgetArea.LeftDockWidgetArea)
        legend_dock = self._dock("Legend", self.legend, Qt.DockWidgetArea.RightDockWidgetArea)
        internals_dock = self._dock("Inside the net", self.internals, Qt.DockWidgetArea.RightDockWidgetArea)
        # The card is a tab of the tall dock, not of the legend's short one, where it was cut (#30/6).
        card_dock = self._dock("Model", self.model_card, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(internals_dock, card_dock)
        internals_dock.raise_()
        self.docks = {"legend": legend_dock, "internals": internals_dock, "card": card_dock}
        # The right column runs the window's full height, so a bottom dock (Training, Jobs) takes
        # no rows from Inside the net's maps; the bottom dock takes the left corner instead (the
        # image list gets shorter), which leaves the training plots room to read.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.jobs_dock = self._dock("Jobs", self.jobs_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.jobs_dock.hide()
        self.jobs_panel.watch(self.runner, self.jobs_dock.show)  # every download gets a row there
        training_panel = TrainingPanel()
        training_dock = self._dock("Training", training_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        training_dock.hide()
        self.tabifyDockWidget(self.jobs_dock, training_dock)
        self.opener = Opener(vm, self.runner, settings, self.errors, self.actions.recent_menu, self)
        self.exporter = Exporter(vm, self.runner, self.errors, self.jobs_panel, self.jobs_dock, self.opener.last_dir, self,
                                 self.status)
        self.training = TrainingControl(vm, self.runner, self.errors, training_panel, training_dock)
        annotate_panel = AnnotatePanel()
        annotate_dock = self._dock("Annotate", annotate_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(card_dock, annotate_dock)
        internals_dock.raise_()
        annotate_dock.hide()
        self.annotate = AnnotateControl(vm, self.runner, self.errors, self.image_view, annotate_panel, annotate_dock,
                                        self.opener.open_paths)
        self.rounds = RoundControl(vm, self.runner, self.errors, self.annotate.session, training_panel.annotations,
                                   training_panel.plots, self._show_annotation_training)
        self.live = LiveControl(vm, self.runner, self.annotate, self.image_view, self.opener.open_paths)
        self.rounds.takeover = self.live.loop.takeover  # a round takes over from the live head
        self.make_model_requested.connect(self.annotate.make_model)
        self.annotate.bind_image_list(self.image_list)
        view_settings.remember_brush(self.annotate.state, settings)
        self.opener.open_project = self.annotate.open_project
        view_settings.remember_projects(self.annotate.state, settings, self.opener.fill_recent)
        self.opener.fill_recent()
        self.importer = Importer(vm, self.runner, self.errors, self.status, self)
        self.get_models_dialog: GetModelsDialog | None = None  # made when first asked for
        self.notes = WindowNotes(vm, self.central_column, self.training, self.actions.import_action,
                               self.actions.make_model_action)

        for widget in (self.image_view, self.compare_view, self.image_list, self.legend, self.internals,
                       self.model_card, self.status):
            widget.bind(vm)
        self.status.extra = self.annotate.hover_text
        self.annotate.take_digits(self, self.actions.heads)
        self.legend.list.itemClicked.connect(lambda item: self.annotate.pick_class(self.legend.list.row(item)))
        self.image_view.hovered.connect(self.status.hover_at)
        self.compare_view.hovered.connect(self.status.hover_at)
        vm.events.image.connect(lambda image: self.setWindowTitle(f"fcn-studio — {image.name}" if image else "fcn-studio"))
        vm.events.compare.connect(lambda on: self.stack.setCurrentWidget(self.compare_view if on else self.image_view))
        vm.events.requested.connect(self._segment)
        self.resize(1280, 760)
        # The image is the point: side panels get what they need, the view the rest; the legend's
        # list scrolls, so Inside the net keeps two rows of maps (and a probed pixel's cell list).
        # Sized after the window is, or Qt spreads the sizes asked for over the default height.
        self.resizeDocks([images_dock, legend_dock], [170, 360], Qt.Orientation.Horizontal)
        self.resizeDocks([legend_dock, internals_dock], [LEGEND_HEIGHT, 760 - LEGEND_HEIGHT], Qt.Orientation.Vertical)
        if settings.value("geometry") is not None:
            self.restoreGeometry(settings.value("geometry"))
            self.restoreState(settings.value("state"), LAYOUT_VERSION)
        vm.restore()
        self.training.restore(vm.device)
        self.notes.offer_resume()
        self.notes.offer_reopen(self.opener.open_paths)

    # ----- commands of the menus (actions.Commands) --------------------------------------------
    def open_dialog(self) -> None:
        self.opener.open_dialog()

    def open_folder_dialog(self) -> None:
        self.opener.open_folder_dialog()

    def open_model_dialog(self) -> None:
        self.opener.open_model_dialog()

    def import_weights(self) -> None:
        self.importer.import_dialog()

    def get_models(self) -> None:
        if self.get_models_dialog is None:
            self.get_models_dialog = GetModelsDialog(self.view_model, self.runner, self)
        self.get_models_dialog.show()

    def make_model(self) -> None:
        self.make_model_requested.emit()

    def paste(self) -> None:
        self.opener.paste()

    def export_labels(self) -> object:
        return self.exporter.export_labels()

    def export_overlay(self) -> object:
        return self.exporter.export_overlay()

    def run_batch(self) -> None:
        self.exporter.run_batch()

    def cancel_batch(self) -> None:
        self.exporter.cancel_batch()

    def show_training(self) -> None:
        self.training.show()

    def evaluate(self) -> None:
        self.training.evaluate()

    def fit(self) -> None:
        self.image_view.pane.fit()
        self.compare_view.fit()

    def zoom(self, factor: float) -> None:
        self.image_view.zoom(factor)

    def step_image(self, step: int) -> None:
        self.image_list.step(step)

    def new_annotation_project(self) -> None:
        self.annotate.new_project_dialog()

    def open_annotation_project(self) -> None:
        self.annotate.open_project_dialog()


    def undo_edit(self) -> None:
        self.annotate.undo()

    def redo_edit(self) -> None:
        self.annotate.redo()

    def brush_size(self, step: int) -> None:
        (self.annotate.state.bigger if step > 0 else self.annotate.state.smaller)()

    def edit_classes(self) -> None:
        self.annotate.edit_classes()

    def next_uncertain(self) -> None:
        self.live.next_uncertain()

    def train_on_annotations(self) -> None:
        self._show_annotation_training()
        self.rounds.start()

    def _show_annotation_training(self) -> None:
        self.training.show()
        self.training.panel.tabs.setCurrentWidget(self.training.panel.annotations)

    def show_help(self, tab: str) -> None:
        if self.help is None:  # built on first use: it lists the actions as they are then
            self.help = HelpDialog(self, self.settings.fileName())
        self.help.show_tab(tab)

    # ----- jobs --------------------------------------------------------------------------------
    def _segment(self, request: SegmentRequest) -> None:
        """What the view model misses, computed on the worker; a newer request supersedes it."""
        self.runner.submit(request.job(self.session), yielded=self.view_model.add_result,
                           errored=lambda problem: self.errors.report(problem, "The window stays usable; see the log for details."))

    def busy(self) -> bool:
        """Anything still to open or segment (the --screenshot mode waits for False)."""
        return any(self.runner.busy(lane) for lane in (Lane.OPEN, Lane.SEGMENT, Lane.SAVE))

    # ----- Qt ----------------------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.actions.view_menu.addAction(dock.toggleViewAction())
        return dock

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.opener.handle_mime(event.mimeData()):
            event.acceptProposedAction()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if not self.annotate.may_close() or not self.training.confirm_quit(self):
            event.ignore()
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState(LAYOUT_VERSION))
        if self.training.busy():
            self.status.show_hover("cancelling: the trainer saves a checkpoint…")
        self.runner.shutdown()  # cancels every job and waits for its thread
        self.errors.close()
        super().closeEvent(event)
