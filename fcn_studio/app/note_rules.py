"""When the window should tell the user something unasked, decided without Qt.

Two notes: the run that was interrupted by quitting (offered for resuming at the next launch, until
it is resumed, dismissed or finished), and the photo shown to a model that knows only the synthetic
scenes (it sees a cat as background; once, unless the user asked never to see it again). What is
remembered goes to the window's Store (QSettings in the app, a MemoryStore in tests).
"""

from __future__ import annotations

from pathlib import Path

from ..training.run_folder import CONFIG
from .catalog import ModelEntry
from .session import OpenImage
from .view_settings import Store, flag

INTERRUPTED_KEY = "training/interrupted_run"
PHOTO_NOTE_KEY = "notes/synthetic_photo_hidden"


def remember_interrupted(store: Store, run_dir: str | Path) -> None:
    store.setValue(INTERRUPTED_KEY, str(run_dir))


def interrupted_run(store: Store) -> Path | None:
    """The run folder to offer at launch: remembered and still a run folder (else forgotten)."""
    value = store.value(INTERRUPTED_KEY)
    if not value:
        return None
    folder = Path(str(value))
    if not (folder / CONFIG).is_file():
        forget_interrupted(store)
        return None
    return folder


def forget_interrupted(store: Store, run_dir: str | Path | None = None) -> None:
    """Forget the remembered run (only if it is `run_dir`, when given)."""
    value = store.value(INTERRUPTED_KEY)
    if value and (run_dir is None or Path(str(value)) == Path(run_dir)):
        store.setValue(INTERRUPTED_KEY, "")


def wants_photo_note(store: Store, image: OpenImage | None, entry: ModelEntry | None) -> bool:
    """A shipped model of synthetic scenes shown something else, and the user has not hidden the note
    (the user's own model, fine-tuned from a shipped one or not, gets no such note)."""
    if image is None or entry is None or not entry.scenes_only or image.is_sample:
        return False
    return not flag(store.value(PHOTO_NOTE_KEY, ""))


def hide_photo_note(store: Store) -> None:
    store.setValue(PHOTO_NOTE_KEY, "true")
