"""The notes across the top of the image (NoticeBar): at launch, the run interrupted by quitting
(offered for resuming) and the images open last time (offered for reopening); and — once — why a
photo comes out as background with the shipped synthetic-scene models. When each is due is decided
in app.note_rules and app.view_settings; this puts up the bars."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QVBoxLayout

from ..app import note_rules
from ..app.view_settings import last_images
from ..app.view_model import ViewModel
from .notice_bar import NoticeBar
from .training_control import TrainingControl

PHOTO_NOTE = ("This model learned only synthetic scenes ({classes} classes of shapes on noise), so in a photo it "
              "sees mostly background. For photos, import weights trained on them (a pytorch-fcn or Caffe file), "
              "or make a model for your own images.")


class WindowNotes:
    """Bars in `layout` (above the image); `import_action` and `make_model_action` are what the photo
    note offers (File ▸ Import weights…, Make a model for your own images)."""

    def __init__(self, vm: ViewModel, layout: QVBoxLayout, training: TrainingControl, import_action: QAction,
                 make_model_action: QAction):
        self.vm, self.layout, self.training = vm, layout, training
        self.import_action, self.make_model_action = import_action, make_model_action
        self.resume_bar: NoticeBar | None = None
        self.photo_bar: NoticeBar | None = None
        self.reopen_bar: NoticeBar | None = None
        vm.events.image.connect(lambda *_: self.photo_note())
        vm.events.model.connect(lambda *_: self.photo_note())

    def offer_resume(self) -> NoticeBar | None:
        """At launch: "Resume the interrupted run RUN?" if quitting interrupted one."""
        run = note_rules.interrupted_run(self.vm.store)
        if run is None:
            return None
        bar = self.resume_bar = NoticeBar("resume-note", f"Resume the interrupted run {run}?")
        bar.add_button("Resume", lambda: self.training.resume(run))
        bar.add_button("Dismiss", lambda: note_rules.forget_interrupted(self.vm.store, run))
        bar.dismissed.connect(lambda: note_rules.forget_interrupted(self.vm.store, run))
        self.layout.insertWidget(0, bar)
        return bar

    def offer_reopen(self, open_paths: Callable[[list[str]], object]) -> NoticeBar | None:
        """At launch: "Reopen the 3 images open last time?" (not reopened unasked: a photo may be
        large, and the user may have come for another one)."""
        paths = last_images(self.vm.store)
        if not paths:
            return None
        names = ", ".join(p.name for p in paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        count = f"the {len(paths)} images" if len(paths) > 1 else "the image"
        bar = self.reopen_bar = NoticeBar("reopen-note", f"Reopen {count} open last time ({names})?")
        bar.add_button("Reopen", lambda: open_paths([str(p) for p in paths]))
        self.layout.insertWidget(0, bar)
        return bar

    def withdraw_reopen(self) -> None:
        """The user came for other images (named on the command line): last time's are not offered."""
        if self.reopen_bar is not None:
            self.reopen_bar.hide_note()

    def photo_note(self) -> NoticeBar | None:
        """Once per launch, when a shipped synthetic-scene model is shown something that is no sample
        scene; taken away as soon as another model (the user's own) or a sample is shown."""
        wanted = note_rules.wants_photo_note(self.vm.store, self.vm.image, self.vm.entry)
        if self.photo_bar is not None:
            if not wanted and self.photo_bar.isVisible():
                self.photo_bar.hide_note()
            return None
        if not wanted:
            return None
        bar = self.photo_bar = NoticeBar("photo-note", PHOTO_NOTE.format(classes=len(self.vm.class_names)))
        bar.add_button("Import weights…", self.import_action.trigger)
        bar.add_button(self.make_model_action.text().replace("&", ""), self.make_model_action.trigger)
        bar.add_button("Don't show again", lambda: note_rules.hide_photo_note(self.vm.store))
        self.layout.insertWidget(self.layout.count() - 1, bar)
        return bar
