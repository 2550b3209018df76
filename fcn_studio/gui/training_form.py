"""The training form: what to learn from, how, on which trunk, which stage, where to write; Start / Cancel / Resume.

The dataset folder is checked as it is typed (`app.training_jobs.check_dataset`, debounced):
layout, images per split, class names and the first problems; Start stays disabled until the
folder holds a usable training split. The check runs on a worker thread ("checking…" meanwhile),
since a slow or huge folder takes seconds; the result of a path the user has typed past is dropped. The form only collects choices: the panel's owner turns
them into a TrainConfig and a job.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QWidget)

from ..errors import RecipeError
from ..app.catalog import BACKBONE_NAMES
from ..app.devices import available_devices
from ..app.training_jobs import CheckDatasetJob, DatasetCheck
from ..engine import registry
from ..training import PRESETS, Recipe, load_recipe
from ..training.run_folder import STAGED
from .worker import JobRunner


def stage_choices() -> tuple[tuple[str, str, bool], ...]:
    """(label, TrainConfig.stage, whether it starts from the current model) for every stage the
    registry knows: staged ones from the current model but the first, all staged, then at once."""
    first, *finer = registry.STAGED_ORDER
    choices = [(f"FCN-{first} from scratch", first, False)]
    choices += [(f"FCN-{stage} from current model", stage, True) for stage in finer]
    choices.append((f"{STAGED} {' → '.join(registry.STAGED_ORDER)}", STAGED, False))
    at_once = [registry.find(trunk, registry.AT_ONCE) for trunk in registry.at_once_trunks()]
    if at_once:
        trunks = ", ".join(arch.trunk.display for arch in at_once)
        choices.append((f"{at_once[0].display} ({trunks})", registry.AT_ONCE, False))
    return tuple(choices)


STAGES = stage_choices()
FILE_ITEM = "file…"
CHECK_LANE = "check"
CHECKING = "checking…"
DEFAULT_RUNS = Path.home() / "fcn-studio-runs"


class TrainingForm(QWidget):
    start_requested = Signal()
    cancel_requested = Signal()
    resume_requested = Signal(str)
    open_run_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.check = DatasetCheck("")
        self.checking = False  # a check of the typed folder is due or under way; self.check is older
        self.checker = JobRunner(superseding=(CHECK_LANE,), parent=self)
        self.checker.yielded.connect(self._checked)
        self.checker.errored.connect(self._check_failed)
        self.running = False
        self.recipes: dict[str, Recipe] = dict(PRESETS)
        self.data = QLineEdit()
        self.data.setPlaceholderText("a VOC, SBD or images/ + masks/ folder")
        self.data_problem = QLabel("choose a dataset folder")
        self.data_problem.setWordWrap(True)
        self.data_problem.setStyleSheet("color: palette(mid)")
        self.recipe = QComboBox()
        self.recipe.addItems(list(self.recipes) + [FILE_ITEM])
        self.backbone = QComboBox()
        for key, label in BACKBONE_NAMES.items():
            self.backbone.addItem(label, key)
        self.backbone.setToolTip("trunk of the net (CVPR Table 1); a stage from the current model keeps its trunk")
        self.stage = QComboBox()
        self.stage.addItems([label for label, _, _ in STAGES])
        self.width = QDoubleSpinBox()
        self.width.setRange(0.03125, 1.0)
        self.width.setDecimals(4)
        self.width.setSingleStep(0.0625)
        self.width.setValue(1.0)
        self.width.setToolTip("channel width of the net: 1 = the paper's (0.0625 trains in seconds on a CPU)")
        self.iterations = QSpinBox()
        self.iterations.setRange(1, 10_000_000)
        self.device = QComboBox()
        self.device.addItems(available_devices())
        self.out = QLineEdit()
        self.out.setPlaceholderText(f"automatic: {DEFAULT_RUNS}/<dataset>-<stage>-<time>")
        self.start = QPushButton("Start")
        self.cancel = QPushButton("Cancel")
        self.resume = QPushButton("Resume…")
        self.open_run = QPushButton("Open run folder")
        self.start.setDefault(True)

        form = QFormLayout(self)
        form.setContentsMargins(6, 6, 6, 6)
        form.addRow("Dataset", self._with_button(self.data, self._browse_data))
        form.addRow("", self.data_problem)
        form.addRow("Recipe", self.recipe)
        form.addRow("Backbone", self.backbone)
        form.addRow("Stage", self.stage)
        row = QHBoxLayout()
        row.addWidget(self.width)
        row.addWidget(QLabel("iterations"))
        row.addWidget(self.iterations)
        form.addRow("Width", row)
        form.addRow("Device", self.device)
        form.addRow("Run folder", self._with_button(self.out, self._browse_out))
        buttons = QHBoxLayout()
        for button in (self.start, self.cancel, self.resume, self.open_run):
            buttons.addWidget(button)
        form.addRow(buttons)

        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.validate_now)
        self.data.textChanged.connect(self._data_edited)
        self.recipe.activated.connect(self._recipe_chosen)
        self.start.clicked.connect(self.start_requested)
        self.cancel.clicked.connect(self.cancel_requested)
        self.resume.clicked.connect(self._pick_resume)
        self.open_run.clicked.connect(self.open_run_requested)
        self._recipe_chosen(0)
        self.set_running(False)
        self.open_run.setEnabled(False)

    # ----- what was chosen ---------------------------------------------------------------------
    def chosen_recipe(self) -> Recipe:
        return self.recipes[self.recipe.currentText()].with_overrides(iterations=self.iterations.value())

    def chosen_backbone(self) -> str:
        return self.backbone.currentData()

    def set_backbone(self, backbone: str) -> None:
        index = self.backbone.findData(backbone)
        if index >= 0:
            self.backbone.setCurrentIndex(index)

    def chosen_stage(self) -> tuple[str, bool]:
        _, stage, from_current = STAGES[self.stage.currentIndex()]
        return stage, from_current

    def set_stage(self, stage: str, from_current: bool | None = None) -> None:
        for i, (_, value, current) in enumerate(STAGES):
            if value == stage and (from_current is None or current == from_current):
                self.stage.setCurrentIndex(i)
                return

    def run_folder(self) -> Path:
        if self.out.text().strip():
            return Path(self.out.text().strip()).expanduser()
        stage, _ = self.chosen_stage()
        name = Path(self.data.text().strip()).name or "run"
        return DEFAULT_RUNS / f"{name}-{stage}-{time.strftime('%Y%m%d-%H%M%S')}"

    # ----- recipes -----------------------------------------------------------------------------
    def add_recipe(self, recipe: Recipe, name: str | None = None) -> None:
        """Offer `recipe` in the preset list (a loaded file) and select it."""
        name = name or recipe.name
        if name not in self.recipes:
            self.recipe.insertItem(self.recipe.count() - 1, name)
        self.recipes[name] = recipe
        self.recipe.setCurrentText(name)
        self.iterations.setValue(recipe.iterations)

    def add_recipe_file(self, path: str | Path) -> Recipe:
        recipe = load_recipe(path)  # RecipeError names the file
        self.add_recipe(recipe, f"{recipe.name} ({Path(path).name})")
        return recipe

    def _recipe_chosen(self, index: int) -> None:
        if self.recipe.itemText(index) == FILE_ITEM:
            path, _ = QFileDialog.getOpenFileName(self, "Recipe file", "", "Recipes (*.toml *.json);;All files (*)")
            self.recipe.setCurrentIndex(0)
            if path:
                try:
                    self.add_recipe_file(path)
                except RecipeError as exc:
                    self.data_problem.setText(f"problem: {exc}")
            return
        self.iterations.setValue(self.recipes[self.recipe.itemText(index)].iterations)

    # ----- state -------------------------------------------------------------------------------
    def validate_now(self) -> None:
        """Check the typed folder now rather than after the typing pause; `self.check` holds the
        result once `self.checking` is False again."""
        self._debounce.stop()
        self._mark_checking()
        self.checker.submit(CHECK_LANE, CheckDatasetJob(self._folder()))

    def set_running(self, running: bool) -> None:
        self.running = running
        usable = self.check.ok and not self.checking
        self.start.setEnabled(not running and usable)
        self.start.setToolTip("" if usable else "the dataset folder needs a usable train split first")
        self.resume.setEnabled(not running)
        self.cancel.setEnabled(running)
        for field in (self.data, self.recipe, self.backbone, self.stage, self.width, self.iterations, self.device,
                      self.out):
            field.setEnabled(not running)

    def _folder(self) -> str:
        return self.data.text().strip()

    def _data_edited(self) -> None:
        """What is shown belongs to the previous text: say so, and keep Start off until checked."""
        self._mark_checking()
        self._debounce.start()

    def _mark_checking(self) -> None:
        self.checking = True
        self.data_problem.setText(CHECKING)
        self.data_problem.setStyleSheet("color: palette(mid)")
        self.set_running(self.running)

    def _checked(self, lane: str, check: object) -> None:
        # The runner drops results of superseded checks; this also drops one that finished while
        # a newer path waited for the typing pause (not yet submitted, so nothing superseded it).
        if lane != CHECK_LANE or not isinstance(check, DatasetCheck) or check.folder != self._folder():
            return
        self.check, self.checking = check, False
        self.data_problem.setText(check.summary())
        self.data_problem.setStyleSheet("" if check.ok else "color: #c0392b")
        self.set_running(self.running)

    def _check_failed(self, lane: str, message: str) -> None:
        if lane == CHECK_LANE:
            self._checked(lane, DatasetCheck(self._folder(), problems=[f"could not check the folder: {message}"]))

    def _with_button(self, edit: QLineEdit, slot) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        button = QPushButton("…")
        button.setFixedWidth(28)
        button.clicked.connect(slot)
        row.addWidget(button)
        return row

    def _browse_data(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Dataset folder", self.data.text())
        if folder:
            self.data.setText(folder)
            self.validate_now()

    def _browse_out(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Run folder (new or empty)", self.out.text())
        if folder:
            self.out.setText(folder)

    def _pick_resume(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Run folder to resume", self.out.text() or str(DEFAULT_RUNS))
        if folder:
            self.resume_requested.emit(folder)
