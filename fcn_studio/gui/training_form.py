"""The training form: what to learn from, how, on which trunk, which stage, where to write; Start / Cancel / Resume.

The dataset folder is checked as it is typed (`app.dataset_check.check_dataset`, debounced):
layout, images per split, class names and the first problems; Start stays disabled until the
folder holds a usable training split. The check runs on a worker thread ("checking…" meanwhile),
since a slow or huge folder takes seconds; the result of a path the user has typed past is dropped.

"Start from" offers the catalogue's ImageNet trunks (`TrunkCombo`), as `train --init NAME`;
the TrainingControl downloads one that is not here when Start is pressed.

The form only collects choices (`choices()`, plain values) and shows them (`recall`, `show_config`);
the TrainingSession turns them into a TrainConfig. Its buttons are a row of their own
(`button_row`), which the panel keeps in sight below the scrolling fields.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QWidget)

from ..errors import RecipeError
from ..app.catalog import BACKBONE_NAMES
from ..app.device_choice import available_devices
from ..app.dataset_check import CheckDatasetJob, DatasetCheck
from ..app.train_defaults import PAPER, PAPER_WIDTH, checkpoint_every, eval_every, paper_recipe, train_defaults
from ..app.train_job import PRESETS, Recipe, TrainConfig, load_recipe, stage_choices
from ..app.training_session import DEFAULT_RUNS, RememberedForm, TrainingChoices
from .folder_dialog import ask_output_folder
from .trunk_combo import TrunkCombo
from .worker import JobRunner


STAGES = stage_choices()
FILE_ITEM = "file…"
CHECKING = "checking…"
RANDOM_START = "random weights (the backbone above)"


class TrainingForm(QWidget):
    resume_requested = Signal(str)  # a run folder picked with Resume…

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.check = DatasetCheck("")
        self.checking = False  # a check of the typed folder is due or under way; self.check is older
        self.checker = JobRunner(parent=self)  # its own runner: a check never waits behind a segmentation
        self.running = False
        self.defaults = train_defaults("cpu")  # set_defaults() takes up the window's device
        # The first entry is the device's defaults (chosen_recipe builds it for the stage), then the paper.
        self.recipes: dict[str, Recipe] = {self.defaults.label: self.defaults.recipe(), PAPER: paper_recipe(),
                                           **{k: v for k, v in PRESETS.items() if k != "paper"}}
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
        self.start_from = TrunkCombo(RANDOM_START)
        self.stage = QComboBox()
        self.stage.addItems([label for label, _, _ in STAGES])
        self.width = QDoubleSpinBox()
        self.width.setRange(0.03125, 1.0)
        self.width.setDecimals(4)
        self.width.setSingleStep(0.0625)
        self.width.setValue(self.defaults.width)
        self.width.setToolTip("channel width of the net: 1 = the paper's (0.0625 trains in seconds on a CPU)")
        self.iterations = QSpinBox()
        self.iterations.setRange(1, 10_000_000)
        self.eval_every = QSpinBox()
        self.eval_every.setRange(1, 10_000_000)
        self.eval_every.setToolTip("updates between evaluations on the val split (the mean IU curve's points)")
        self.checkpoint_every = QSpinBox()
        self.checkpoint_every.setRange(1, 10_000_000)
        self.checkpoint_every.setToolTip("updates between checkpoints (what Resume… continues from)")
        # eval-every and checkpoint-every track a tenth / a quarter of the iterations until the user sets them
        self._eval_follows = self._checkpoint_follows = True
        self.device = QComboBox()
        self.device.addItems(available_devices())
        self.out = QLineEdit()
        self.out.setPlaceholderText(f"automatic: {DEFAULT_RUNS}/<dataset>-<stage>-<time>")
        self.start = QPushButton("Start")
        self.cancel = QPushButton("Cancel")
        self.resume = QPushButton("Resume…")
        self.open_run = QPushButton("Open run folder")
        self.start.setDefault(True)
        self.resume_start: Callable[[], str] = lambda: str(DEFAULT_RUNS)  # where Resume… opens

        form = QFormLayout(self)
        form.setContentsMargins(6, 6, 6, 6)
        form.addRow("Dataset", self._with_button(self.data, self._browse_data))
        form.addRow("", self.data_problem)
        form.addRow("Recipe", self.recipe)
        form.addRow("Backbone", self.backbone)
        form.addRow("Start from", self.start_from)
        form.addRow("Stage", self.stage)
        row = QHBoxLayout()
        row.addWidget(self.width)
        row.addWidget(QLabel("iterations"))
        row.addWidget(self.iterations)
        form.addRow("Width", row)
        row = QHBoxLayout()
        row.addWidget(self.eval_every)
        row.addWidget(QLabel("checkpoint every"))
        row.addWidget(self.checkpoint_every)
        form.addRow("Evaluate every", row)
        form.addRow("Device", self.device)
        form.addRow("Run folder", self._with_button(self.out, self._browse_out))
        self.button_row = QWidget()
        buttons = QHBoxLayout(self.button_row)
        buttons.setContentsMargins(6, 2, 6, 4)
        for button in (self.start, self.cancel, self.resume, self.open_run):
            buttons.addWidget(button)

        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.validate_now)
        self.data.textChanged.connect(self._data_edited)
        self.recipe.activated.connect(self._recipe_chosen)
        self.start_from.currentIndexChanged.connect(lambda: self._trunk_chosen())
        self.iterations.valueChanged.connect(self._iterations_changed)
        self.eval_every.editingFinished.connect(lambda: setattr(self, "_eval_follows", False))
        self.checkpoint_every.editingFinished.connect(lambda: setattr(self, "_checkpoint_follows", False))
        self.device.textActivated.connect(self.set_defaults)
        self.resume.clicked.connect(self._pick_resume)
        self._recipe_chosen(0)
        self.set_running(False)
        self.open_run.setEnabled(False)

    # ----- what was chosen ---------------------------------------------------------------------
    def choices(self) -> TrainingChoices:
        """What the form says, for the TrainingSession to make a run of."""
        stage, from_current = self.chosen_stage()
        name = self.recipe.currentText()
        return TrainingChoices(data=self._folder(), recipe=self.defaults if name == self.defaults.label else self.recipes[name],
                               iterations=self.iterations.value(), eval_every=self.eval_every.value(),
                               checkpoint_every=self.checkpoint_every.value(), stage=stage, from_current=from_current,
                               backbone=self.chosen_backbone(), width=self.width.value(),
                               device=self.device.currentText(), out=self.out.text().strip(),
                               start_from=self.chosen_trunk())

    def remembered(self) -> RememberedForm:
        """The fields a relaunch shows again."""
        stage, from_current = self.chosen_stage()
        return RememberedForm(data=self._folder(), recipe=self.recipe.currentText(), backbone=self.chosen_backbone(),
                              stage=stage, from_current=from_current, width=self.width.value(),
                              iterations=self.iterations.value(), eval_every=self.eval_every.value(),
                              checkpoint_every=self.checkpoint_every.value(), out=self.out.text().strip(),
                              start_from=self.chosen_trunk())

    def recall(self, form: RememberedForm) -> None:
        """Show a remembered form (a recipe no longer in the list keeps the current one)."""
        index = self.recipe.findText(form.recipe)
        if 0 <= index < self.recipe.count() - 1:
            self.recipe.setCurrentIndex(index)
            self._recipe_chosen(index)
        self.set_backbone(form.backbone)
        self.set_trunk(form.start_from)
        self.set_stage(form.stage, form.from_current)
        if form.width > 0:
            self.width.setValue(form.width)
        for box, value in ((self.iterations, form.iterations), (self.eval_every, form.eval_every),
                           (self.checkpoint_every, form.checkpoint_every)):
            if value > 0:
                box.setValue(value)
        self._show_schedule_follows()
        self.out.setText(form.out)
        self.data.setText(form.data)

    def set_defaults(self, device: str) -> None:
        """Take up the defaults of `device` (the window's); shown at once if they are the chosen recipe."""
        old = self.defaults.label
        self.defaults = train_defaults(device)
        index = self.recipe.findText(old)
        chosen = self.recipe.currentIndex() == index
        self.recipes = {(self.defaults.label if k == old else k): v for k, v in self.recipes.items()}
        self.recipes[self.defaults.label] = self.defaults.recipe()
        self.recipe.setItemText(index, self.defaults.label)
        if chosen:
            self._recipe_chosen(index)

    def chosen_backbone(self) -> str:
        return self.backbone.currentData()

    def set_backbone(self, backbone: str) -> None:
        index = self.backbone.findData(backbone)
        if index >= 0:
            self.backbone.setCurrentIndex(index)

    # ----- the start: a catalogue trunk or random weights ---------------------------------------
    def show_trunks(self) -> None:
        self.start_from.show_trunks()

    def chosen_trunk(self) -> str:
        return self.start_from.chosen()

    def set_trunk(self, name: str) -> None:
        self.start_from.choose(name)
        self._trunk_chosen()

    def _trunk_chosen(self) -> None:
        """A trunk decides the backbone and the width: shown in their fields, which it holds fixed."""
        trunk = self.start_from.trunk()
        if trunk is not None:
            self.set_backbone(trunk.backbone)
            self.width.setValue(trunk.width)
        for field in (self.backbone, self.width):
            field.setEnabled(not self.running and trunk is None)

    def chosen_stage(self) -> tuple[str, bool]:
        _, stage, from_current = STAGES[self.stage.currentIndex()]
        return stage, from_current

    def set_stage(self, stage: str, from_current: bool | None = None) -> None:
        for i, (_, value, current) in enumerate(STAGES):
            if value == stage and (from_current is None or current == from_current):
                self.stage.setCurrentIndex(i)
                return

    def show_config(self, config: TrainConfig) -> None:
        """Show a run's own settings (a resume trains with its run folder's config.json, not the form's)."""
        name = Path(config.out).name or config.out
        self.add_recipe(config.recipe, f"{config.recipe.name} (run {name})")
        self.set_backbone(config.backbone)
        self.set_stage(config.stage)
        self.width.setValue(config.width)
        if self.device.findText(config.device) >= 0:
            self.device.setCurrentText(config.device)
        self.out.setText(config.out)
        self.data.setText(config.data)

    # ----- recipes -----------------------------------------------------------------------------
    def add_recipe(self, recipe: Recipe, name: str | None = None) -> None:
        """Offer `recipe` in the preset list (a loaded file) and select it."""
        name = name or recipe.name
        if name not in self.recipes:
            self.recipe.insertItem(self.recipe.count() - 1, name)
        self.recipes[name] = recipe
        self.recipe.setCurrentText(name)
        self._show_schedule(recipe)

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
        name = self.recipe.itemText(index)
        if name == self.defaults.label:
            self.width.setValue(self.defaults.width)
        elif name == PAPER:
            self.width.setValue(PAPER_WIDTH)
        self._show_schedule(self.recipes[name])

    def _show_schedule(self, recipe: Recipe) -> None:
        self.iterations.setValue(recipe.iterations)
        self.eval_every.setValue(recipe.eval_every)
        self.checkpoint_every.setValue(recipe.checkpoint_every)
        self._show_schedule_follows()

    def _show_schedule_follows(self) -> None:
        """eval-every and checkpoint-every keep following the iterations while they are the defaults."""
        iterations = self.iterations.value()
        self._eval_follows = self.eval_every.value() == eval_every(iterations)
        self._checkpoint_follows = self.checkpoint_every.value() == checkpoint_every(iterations)

    def _iterations_changed(self, iterations: int) -> None:
        if self._eval_follows:
            self.eval_every.setValue(eval_every(iterations))
        if self._checkpoint_follows:
            self.checkpoint_every.setValue(checkpoint_every(iterations))

    # ----- state -------------------------------------------------------------------------------
    def validate_now(self) -> None:
        """Check the typed folder now rather than after the typing pause; `self.check` holds the
        result once `self.checking` is False again."""
        self._debounce.stop()
        self._mark_checking()
        self.checker.submit(CheckDatasetJob(self._folder()), returned=self._checked, errored=self._check_failed)

    def set_running(self, running: bool) -> None:
        self.running = running
        usable = self.check.ok and not self.checking
        self.start.setEnabled(not running and usable)
        self.start.setToolTip("" if usable else "the dataset folder needs a usable train split first")
        self.resume.setEnabled(not running)
        self.cancel.setEnabled(running)
        for field in (self.data, self.recipe, self.start_from, self.stage, self.iterations, self.eval_every,
                      self.checkpoint_every, self.device, self.out):
            field.setEnabled(not running)
        self._trunk_chosen()

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

    def _checked(self, check: DatasetCheck | None) -> None:
        # The runner drops results of superseded checks; this also drops one that finished while
        # a newer path waited for the typing pause (not yet submitted, so nothing superseded it).
        if check is None or check.folder != self._folder():
            return
        self.check, self.checking = check, False
        self.data_problem.setText(check.summary())
        self.data_problem.setStyleSheet("" if check.ok else "color: #c0392b")
        self.set_running(self.running)

    def _check_failed(self, problem: Exception) -> None:
        self._checked(DatasetCheck(self._folder(), problems=[f"could not check the folder: {problem}"]))

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
        folder = ask_output_folder(self, "Run folder (new or empty)", self.out.text() or str(DEFAULT_RUNS))
        if folder:
            self.out.setText(folder)

    def _pick_resume(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Run folder to resume", self.resume_start())
        if folder:
            self.resume_requested.emit(folder)
