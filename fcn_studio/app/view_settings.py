"""What the window remembers between launches, bound in one place.

`remember` connects the view's events to the settings store (QSettings in the app, a `MemoryStore`
in tests); `restore` takes the remembered choices up at launch. Nothing else writes these keys, so
what is remembered is this module's list: the device, opacity, background colouring, the 32s
upsampling, the model with its head, the open image files (offered again at the next launch, not
reopened unasked) and the annotation brush size.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol

from ..errors import FileProblem
from .device_choice import usable_device
from .view_state import DEFAULT_HEAD, DEFAULT_OPACITY, STITCH_FACTORS

if TYPE_CHECKING:
    from .view_model import ViewModel

log = logging.getLogger(__name__)

IMAGES_KEY = "session/images"
BRUSH_KEY = "annotate/brush"
PROJECTS_KEY = "annotate/recent_projects"
MODELS_KEY = "session/models"
MAX_RECENT_PROJECTS = 8


class Store(Protocol):
    """Where choices are remembered between launches (QSettings has this shape)."""

    def value(self, key: str, default: Any = None) -> Any: ...

    def setValue(self, key: str, value: Any) -> None: ...  # noqa: N802 - QSettings' name


class MemoryStore(dict):
    """A Store that forgets on exit: tests and runs that must not touch the user's settings."""

    def value(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)

    def setValue(self, key: str, value: Any) -> None:  # noqa: N802 - QSettings' name
        self[key] = value


def flag(value: Any) -> bool:
    """A remembered yes/no (QSettings gives back "true" for True from an INI file)."""
    return str(value).lower() in ("true", "1")


def remember(vm: ViewModel, store: Store) -> None:
    """Write each remembered choice to `store` whenever it changes."""
    events = vm.events
    for name in ("device", "stitch", "opacity", "show_background", "head"):
        events[name].connect(lambda value, *_, key=name: store.setValue(key, value))
    events.model.connect(lambda entry: entry is not None and store.setValue("model", str(entry.path)))
    events.images.connect(lambda _: store.setValue(IMAGES_KEY, [str(i.path) for i in vm.session.images
                                                                if i.path is not None and not i.is_sample]))
    # the models added while the window ran (a training run's best, an import, a round): not shipped,
    # so no folder scan finds them again at the next launch
    events.catalog.connect(lambda: store.setValue(MODELS_KEY, [str(e.path) for e in vm.session.catalog.entries
                                                               if not e.shipped]))


def restore(vm: ViewModel, store: Store) -> None:
    """Take up the remembered choices: device, opacity, upsampling, then model and head."""
    device = str(store.value("device", "auto"))
    vm.device = usable_device(device)
    store.setValue("device", device)  # cuda stays remembered for the machine that has it
    vm.opacity = float(store.value("opacity", DEFAULT_OPACITY))
    vm.show_background = flag(store.value("show_background", False))
    stitch = str(store.value("stitch", 0))
    vm.stitch = int(stitch) if stitch.isdigit() and int(stitch) in STITCH_FACTORS else 0
    added = False
    for path in remembered_paths(store, MODELS_KEY):
        if path.is_file() and all(entry.path != path for entry in vm.session.catalog.entries):
            try:
                vm.session.model_file(path)
                added = True
            except FileProblem as exc:  # rewritten or broken since: left out, said in the log
                log.warning("a model added last time is left out: %s", exc)
    if added:  # the window's model box was filled before: it lists them too (it showed a blank model)
        vm.events.catalog.emit()
    saved_head = str(store.value("head", DEFAULT_HEAD))
    saved = store.value("model")
    model = vm.session.catalog.find(saved) if saved else None
    vm.model = model or vm.session.catalog.default()
    if saved_head in vm.family:
        vm.head = saved_head


def last_images(store: Store) -> list[Path]:
    """The image files open when the window last closed that are still there, to offer reopening
    (the shipped samples are not remembered: the window opens one anyway)."""
    return [p for p in remembered_paths(store, IMAGES_KEY) if p.is_file()]


def remember_brush(state: Any, store: Store) -> None:
    """Restore the annotation brush radius and remember it (`state` is the annotate mode's state)."""
    try:
        state.radius = float(store.value(BRUSH_KEY, state.radius))
    except (TypeError, ValueError):
        pass  # a hand-edited settings file: keep the default
    state.events.radius.connect(lambda radius, *_: store.setValue(BRUSH_KEY, radius))


def recent_projects(store: Store) -> list[Path]:
    """The annotation projects opened last, newest first, that are still there (File ▸ Open recent)."""
    return [p for p in remembered_paths(store, PROJECTS_KEY) if p.is_dir()]


def remember_projects(state: Any, store: Store, changed: Callable[[], None] = lambda: None) -> None:
    """Put every project the annotate mode opens or creates first in the recent list (`state` is the
    annotate mode's state); `changed` then refreshes the menu that shows it."""

    def opened(project: Any, *_: Any) -> None:
        if project is None:
            return
        folders = [str(project.root)] + [str(p) for p in recent_projects(store) if str(p) != str(project.root)]
        store.setValue(PROJECTS_KEY, folders[:MAX_RECENT_PROJECTS])
        changed()

    state.events.project.connect(opened)


def remembered_paths(store: Store, key: str) -> list[Path]:
    """A remembered list of paths (QSettings gives a single entry back as a str, none as None)."""
    saved = store.value(key) or []
    return [Path(p) for p in ([saved] if isinstance(saved, str) else list(saved)) if p]
