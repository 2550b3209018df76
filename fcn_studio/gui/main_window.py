"""The main window: wires widgets, the app session and the job runner together.

It holds *what is shown* (image, model family, head, device, display options) and asks the
session for cached results; anything missing becomes a SegmentJob on the worker. It never runs
the model itself and holds no model logic.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QStackedWidget, QWidget

from ..app import analysis
from ..app.catalog import HEADS, ModelEntry
from ..app.devices import available_devices, usable_device
from ..app.jobs import FileWritten, HeadResult, ImageFailed, ImageOpened, Progress, SegmentJob
from ..app.session import OpenImage, Session
from ..palette import VOID_LABEL
from .actions import SHORTCUTS, build_actions
from .compare_view import CompareView
from .error_dialog import ErrorDialog
from .export_batch import NO_MODEL_HINT, ExportBatchMixin
from .image_list import ImageList
from .image_view import ImageView
from .internals_panel import InternalsPanel
from .jobs_panel import JobsPanel
from .legend_panel import LegendPanel
from .model_card import ModelCard
from .opening import OpeningMixin
from .status_bar import StatusBar
from .training_control import TrainingControl
from .worker import JobRunner

log = logging.getLogger(__name__)

DROP_HINT = "drop your own images here"
MARK_COLOUR = (255, 0, 255, 230)


class MainWindow(OpeningMixin, ExportBatchMixin, QMainWindow):
    def __init__(self, session: Session, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("fcn-studio")
        self.setAcceptDrops(True)
        self.session, self.settings = session, settings
        self.runner = JobRunner(parent=self)
        self.runner.yielded.connect(self._on_event)
        self.runner.errored.connect(self._on_error)
        self.runner.finished.connect(self._on_finished)
        self.current: OpenImage | None = None
        self.family: dict[str, ModelEntry] = {}
        self.head = str(settings.value("head", "8s"))
        self.device = usable_device(str(settings.value("device", "auto")))
        self.opacity = float(settings.value("opacity", 0.5))
        self.hidden: set[int] = set()
        self._requested: tuple | None = None
        self._fresh = None  # key of the result just computed for the shown head (not "cached")
        self._last_opened: OpenImage | None = None
        self._batch_errors = 0

        self.image_view, self.compare_view = ImageView(), CompareView()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.image_view)
        self.stack.addWidget(self.compare_view)
        self.setCentralWidget(self.stack)
        self.image_list, self.legend, self.internals = ImageList(), LegendPanel(), InternalsPanel()
        self.model_card, self.jobs_panel, self.errors = ModelCard(), JobsPanel(), ErrorDialog(self)
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.actions = build_actions(self)
        stitch = str(settings.value("stitch", 0))
        self.session.stitch = int(stitch) if stitch.isdigit() and int(stitch) in self.actions.stitch else 0
        images_dock = self._dock("Images", self.image_list, Qt.DockWidgetArea.LeftDockWidgetArea)
        legend_dock = self._dock("Legend", self.legend, Qt.DockWidgetArea.RightDockWidgetArea)
        card_dock = self._dock("Model", self.model_card, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(legend_dock, card_dock)
        legend_dock.raise_()
        internals_dock = self._dock("Inside the net", self.internals, Qt.DockWidgetArea.RightDockWidgetArea)
        # The image is the point: side panels get what they need, the view the rest.
        self.resizeDocks([images_dock, legend_dock], [170, 360], Qt.Orientation.Horizontal)
        self.resizeDocks([legend_dock, internals_dock], [150, 520], Qt.Orientation.Vertical)
        self.jobs_dock = self._dock("Jobs", self.jobs_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.jobs_dock.hide()
        self.training = TrainingControl(self)
        self.tabifyDockWidget(self.jobs_dock, self.training.dock)

        self.image_list.currentRowChanged.connect(lambda row: self.show_image(self.session.images[row]) if row >= 0 else None)
        self.legend.opacity.setValue(round(self.opacity * 100))
        self.legend.opacity_changed.connect(self._set_opacity)
        self.legend.hidden_changed.connect(self._set_hidden)
        self.internals.class_changed.connect(lambda _: self.refresh())
        self.image_view.hovered.connect(self._hover)
        self.compare_view.hovered.connect(self._hover)
        self.jobs_panel.cancel_requested.connect(self.cancel_batch)
        self.actions.model_combo.activated.connect(lambda i: self.set_model(self.session.catalog.entries[i]) if self.session.catalog.entries else None)
        self.actions.device_combo.addItems(available_devices())
        self.actions.device_combo.setCurrentText(self.device)
        self.actions.device_combo.textActivated.connect(self.set_device)
        self._fill_models()
        self._fill_recent()
        self.resize(1280, 760)
        if settings.value("geometry") is not None:
            self.restoreGeometry(settings.value("geometry"))
            self.restoreState(settings.value("state"))
        model = self.session.catalog.find(settings.value("model", "")) if settings.value("model") else None
        saved_head = self.head
        self.set_model(model or self.session.catalog.default())
        if saved_head in self.family:
            self.set_head(saved_head)

    # ----- what is shown -----------------------------------------------------------------------
    def show_image(self, image: OpenImage) -> None:
        if self.current is not None and self.current.key == image.key:
            return
        self.current = image
        row = self.image_list.keys.index(image.ident) if image.ident in self.image_list.keys else -1
        self.image_list.blockSignals(True)
        self.image_list.setCurrentRow(row)
        self.image_list.blockSignals(False)
        self.setWindowTitle(f"fcn-studio — {image.name}")
        self.refresh()

    def set_model(self, entry: ModelEntry | None) -> None:
        self.family = self.session.catalog.heads(entry) if entry else {}
        if entry is not None:
            self.head = entry.head
            self.settings.setValue("model", str(entry.path))
            self.legend.set_classes(entry.info.class_names, entry.info.palette)
            self.internals.set_classes(entry.info.class_names)
        self.model_card.show_entry(entry, list(self.family))
        self._sync_controls()
        self.refresh()

    def set_head(self, head: str) -> None:
        if head in self.family:
            self.head = head
            self._fresh = None
            self.settings.setValue("head", head)
        self._sync_controls()
        self.refresh()

    def set_stitch(self, factor: int) -> None:
        """Learned upsampling (0) or shift-and-stitch by `factor` for the 32s head; both stay cached."""
        self.session.stitch = factor
        self._fresh = None
        self.settings.setValue("stitch", factor)
        self._sync_controls()
        self.refresh()

    def head_label(self, head: str) -> str:
        """`32s`, or `32s stitched ×4` when the 32s head runs shift-and-stitch."""
        entry = self.family.get(head)
        factor = self.session.stitch_for(entry) if entry is not None else 0
        return f"{head} stitched ×{factor}" if factor else head

    def set_device(self, device: str) -> None:
        self.device = device
        self.settings.setValue("device", device)
        self.refresh()

    def set_compare(self, on: bool) -> None:
        self.actions.compare.setChecked(on)
        self.stack.setCurrentWidget(self.compare_view if on else self.image_view)
        self.refresh()

    def set_changes(self, on: bool) -> None:
        self.actions.changes.setChecked(on)
        self.refresh()

    def step_image(self, step: int) -> None:
        if self.session.images:
            row = (self.image_list.currentRow() + step) % len(self.session.images)
            self.image_list.setCurrentRow(row)

    def fit(self) -> None:
        self.image_view.pane.fit()
        self.compare_view.fit()

    @property
    def entry(self) -> ModelEntry | None:
        """The model whose result the main view shows (the family's model for the current head)."""
        return self.family.get(self.head)

    def prediction(self, head: str | None = None):
        entry = self.family.get(head or self.head)
        if self.current is None or entry is None:
            return None
        return self.session.cached(self.current, entry, self.device)

    def refresh(self) -> None:
        """Draw what is known now; request what is missing (the shown head first)."""
        image, entry = self.current, self.entry
        self.image_view.set_hint(NO_MODEL_HINT if entry is None else (DROP_HINT if len(self.session.images) < 2 else ""))
        self.status.show_where(self.device, entry.label if entry else "no model")
        if image is None:
            self.image_view.pane.set_image(None)
            return
        if entry is not None:
            self._request_missing(image)
        if self.actions.compare.isChecked():
            self._draw_compare(image)
        else:
            self._draw_single(image)
        self._draw_internals(image)

    def _request_missing(self, image: OpenImage) -> None:
        order = [self.head] + [h for h in reversed(HEADS) if h in self.family and h != self.head]
        missing = [self.family[h] for h in order if self.session.cached(image, self.family[h], self.device) is None]
        key = (image.key, tuple(str(e.path) for e in missing), self.device, self.session.stitch)
        if missing and key != self._requested:
            self._requested = key
            self.runner.submit("segment", SegmentJob(self.session, image, missing, self.device))
        elif not missing:
            self._requested = None

    def _palette(self) -> np.ndarray:
        return np.array(self.entry.info.palette, dtype=np.uint8)

    def _overlay(self, pred) -> np.ndarray | None:
        return None if pred is None else analysis.overlay_rgba(pred.labels, self._palette(), self.opacity, self.hidden)

    def _marks(self, head: str) -> np.ndarray | None:
        """Pixels the skip into `head` changed relative to the next coarser head, in magenta."""
        i = HEADS.index(head)
        fine, coarse = self.prediction(head), self.prediction(HEADS[i - 1]) if i > 0 else None
        if not self.actions.changes.isChecked() or fine is None or coarse is None:
            return None
        rgba = np.zeros(fine.labels.shape + (4,), dtype=np.uint8)
        rgba[analysis.skip_changes(coarse.labels, fine.labels)] = MARK_COLOUR
        return rgba

    def _metrics_text(self, head: str, short: bool = False) -> str:
        pred = self.prediction(head)
        if pred is None or self.current is None or self.current.truth is None:
            return ""
        m = analysis.image_metrics(pred.labels, self.current.truth, self.entry.info.num_classes)
        if short:
            return f"mIU {m['mean_iu']:.3f} · acc. {m['pixel_acc']:.3f}"
        return f"mean IU {m['mean_iu']:.3f} · pixel acc. {m['pixel_acc']:.3f}"

    def _draw_single(self, image: OpenImage) -> None:
        pred = self.prediction()
        self.image_view.pane.set_image(image.rgb)
        self.image_view.pane.set_overlay(self._overlay(pred) if self.entry else None)
        self.image_view.pane.set_marks(self._marks(self.head) if self.entry else None)
        if self.entry is not None:
            cached = self.session.key(image, self.entry, self.device) != self._fresh
            self.status.show_timing(self.head_label(self.head), pred.seconds if pred else None, cached=cached,
                                    note=pred.note if pred else "")
        metrics = self._metrics_text(self.head)
        self.status.show_metrics(f"{self.head} vs truth: {metrics}" if metrics else "")
        self.legend.set_counts(pred.labels if pred is not None else None)

    def _draw_compare(self, image: OpenImage) -> None:
        columns = list(self.family) + (["truth"] if image.truth is not None else [])
        self.compare_view.set_columns(columns or ["image"])
        for head in self.family:
            pred = self.prediction(head)
            changed = self._marks(head)
            lines = [f"<b>FCN-{self.head_label(head)}</b>" + ("" if pred else " computing…")]
            if changed is not None:
                lines.append(f"{int((changed[..., 3] > 0).sum())} px changed vs {HEADS[HEADS.index(head) - 1]}")
            lines.append(self._metrics_text(head, short=True))
            self.compare_view.show_pane(head, image.rgb, self._overlay(pred), changed, "<br>".join(lines))
        if image.truth is not None and self.entry is not None:
            truth = analysis.overlay_rgba(image.truth, self._palette(), self.opacity, self.hidden | {VOID_LABEL})
            self.compare_view.show_pane("truth", image.rgb, truth, None, "ground truth")
        if not self.family:
            self.compare_view.show_pane("image", image.rgb, None, None, NO_MODEL_HINT)

    def _draw_internals(self, image: OpenImage) -> None:
        pred = self.prediction()
        maps = analysis.internal_maps(pred, self.internals.class_index) if pred is not None else []
        self.internals.show_maps(image.rgb, maps)

    # ----- events from jobs --------------------------------------------------------------------
    def _on_event(self, lane: str, event: object) -> None:
        if lane in ("train", "eval"):
            return  # self.training draws those
        if isinstance(event, ImageOpened):
            self._last_opened = self._add_image(event.image)
        elif isinstance(event, ImageFailed):
            self.errors.report(event.message, "The file could not be read as an image; the other files are unaffected.")
        elif isinstance(event, HeadResult):
            if self.current is not None and event.image.key == self.current.key:
                if event.entry == self.entry and not event.cached:
                    self._fresh = self.session.key(event.image, event.entry, self.device)
                self.refresh()
        elif isinstance(event, ModelEntry):
            self._fill_models()
            self.set_model(event)
        elif isinstance(event, Progress):
            self.jobs_panel.progress(event.done, event.total, event.message)
        elif isinstance(event, FileWritten):
            log.info("wrote %s", ", ".join(map(str, event.outputs)))

    def _on_error(self, lane: str, message: str) -> None:
        if lane == "batch":
            self.jobs_panel.ended(f"failed: {message}")
        self.errors.report(message, "The window stays usable; see the log for details.")

    def _on_finished(self, lane: str) -> None:
        if lane == "open" and self._last_opened is not None:
            image, self._last_opened = self._last_opened, None
            self.show_image(image)
        elif lane == "batch" and not self.runner.busy("batch"):
            self.jobs_panel.ended("batch finished")

    def busy(self) -> bool:
        """Anything still to open or segment (the --screenshot mode waits for False)."""
        return self.runner.busy("open") or self.runner.busy("segment") or self._last_opened is not None

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS)

    # ----- helpers -----------------------------------------------------------------------------
    def _set_opacity(self, value: float) -> None:
        self.opacity = value
        self.settings.setValue("opacity", value)
        self.refresh()

    def _set_hidden(self, hidden: set[int]) -> None:
        self.hidden = set(hidden)
        self.refresh()

    def _hover(self, x: int, y: int) -> None:
        pred = self.prediction()
        hit = analysis.pixel_readout(pred, x, y) if pred is not None and x >= 0 else None
        if hit is None:
            self.status.show_hover("")
            return
        label, score = hit
        truth = ""
        if self.current.truth is not None:
            t = int(self.current.truth[y, x])
            truth = f" | truth: {self.entry.info.class_names[t] if t < len(self.entry.info.class_names) else 'void'}"
        self.status.show_hover(f"pixel ({x}, {y}): {self.entry.info.class_names[label]} {score:.2f} ({self.head}){truth}")

    def _sync_controls(self) -> None:
        for head, act in self.actions.heads.items():
            act.setEnabled(head in self.family)
            act.setChecked(head == self.head and head in self.family)
        for factor, act in self.actions.stitch.items():
            act.setChecked(factor == self.session.stitch)
        entries = self.session.catalog.entries
        if self.entry in entries:
            self.actions.model_combo.setCurrentIndex(entries.index(self.entry))

    def _fill_models(self) -> None:
        combo = self.actions.model_combo
        combo.clear()
        combo.addItems([e.label for e in self.session.catalog.entries] or ["no model: Model ▸ Open…"])
        combo.setEnabled(bool(self.session.catalog.entries))

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        if self.training.busy():
            self.status.show_hover("cancelling: the trainer saves a checkpoint…")
        self.runner.shutdown()  # cancels every job and waits for its thread
        self.errors.close()
        super().closeEvent(event)
