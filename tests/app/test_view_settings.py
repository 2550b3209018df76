"""What the window remembers between launches, bound in one module (#26 item 4, #30 item 11)."""

from types import SimpleNamespace

import pytest
from psygnal import Signal, SignalGroup

from fcn_studio.app.catalog import Catalog
from fcn_studio.app.session import Session, open_image_file
from fcn_studio.app.view_model import ViewModel
from fcn_studio.app.annotate.workspace import AnnotateState
from fcn_studio.app.view_settings import (BRUSH_KEY, IMAGES_KEY, MAX_RECENT_PROJECTS, MODELS_KEY, PROJECTS_KEY, MemoryStore, flag,
                                         last_images, recent_projects, remember_brush, remember_projects)
from tests.compact_models import write_family, write_image


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    return write_family(tmp_path_factory.mktemp("models"))


def test_each_remembered_choice_is_written_when_it_changes(family):
    store = MemoryStore(device="cpu")
    vm = ViewModel(Session(Catalog(family["8s"].parent)), store)
    vm.restore()
    vm.opacity, vm.stitch, vm.show_background, vm.head = 0.25, 8, True, "32s"
    vm.hidden, vm.compare, vm.class_index = {1}, True, 2  # not remembered
    assert {k: store[k] for k in ("opacity", "stitch", "show_background", "head")} == {
        "opacity": 0.25, "stitch": 8, "show_background": True, "head": "32s"}
    assert store["model"] == str(family["8s"].resolve()) and not {"hidden", "compare", "class_index"} & set(store)


def test_a_device_this_machine_lacks_stays_remembered_for_the_one_that_has_it(family):
    store = MemoryStore(device="cuda:7")
    vm = ViewModel(Session(Catalog(family["8s"].parent)), store)
    vm.restore()
    assert vm.device == "cpu" and store["device"] == "cuda:7"


def test_the_open_image_files_are_remembered_and_offered_while_they_exist(family, tmp_path):
    store = MemoryStore(device="cpu")
    vm = ViewModel(Session(Catalog(family["8s"].parent)), store)
    a, b = write_image(tmp_path / "a.png"), write_image(tmp_path / "b.png", seed=2)
    vm.add_image(open_image_file(a))
    vm.add_image(open_image_file(b))
    vm.add_image(vm.session.pasted_image(open_image_file(a).rgb))  # pasted pixels have no file to reopen
    assert store[IMAGES_KEY] == [str(a), str(b)]
    b.unlink()
    assert last_images(store) == [a]
    assert last_images(MemoryStore({IMAGES_KEY: str(a)})) == [a]  # QSettings gives one item back as a str
    assert last_images(MemoryStore()) == []


class Brush(SignalGroup):
    radius = Signal(float)


def test_the_brush_size_is_restored_and_remembered():
    state = SimpleNamespace(radius=6.0, events=Brush())
    store = MemoryStore({BRUSH_KEY: "14.5"})
    remember_brush(state, store)
    assert state.radius == 14.5
    state.events.radius.emit(20.0)
    assert store[BRUSH_KEY] == 20.0
    broken = SimpleNamespace(radius=6.0, events=Brush())
    remember_brush(broken, MemoryStore({BRUSH_KEY: "wide"}))
    assert broken.radius == 6.0


def test_flag_reads_what_qsettings_gives_back():
    assert flag("true") and flag(True) and flag("1") and not flag("false") and not flag(None) and not flag("")


def test_each_opened_project_goes_first_in_the_recent_list_and_gone_folders_drop_out(tmp_path):
    folders = [tmp_path / f"p{k}" for k in range(MAX_RECENT_PROJECTS + 2)]
    for folder in folders:
        folder.mkdir()
    state, store, refreshed = AnnotateState(), MemoryStore(), []
    remember_projects(state, store, lambda: refreshed.append(True))
    for folder in folders:
        state.project = SimpleNamespace(root=folder)
    state.project = SimpleNamespace(root=folders[3])  # opened again: moves to the front, not listed twice
    assert recent_projects(store) == [folders[3]] + [f for f in folders[::-1] if f != folders[3]][:MAX_RECENT_PROJECTS - 1]
    assert len(refreshed) == len(folders) + 1
    state.project = None  # closing a project changes nothing
    folders[3].rmdir()
    assert recent_projects(store)[0] == folders[-1] and folders[3] not in recent_projects(store)
    assert recent_projects(MemoryStore({PROJECTS_KEY: str(folders[0])})) == [folders[0]]  # one entry comes back a str


def test_models_added_while_the_window_ran_come_back_at_the_next_launch(family, tmp_path):
    import shutil

    runs = [tmp_path / "run-a" / "best.safetensors", tmp_path / "run-b" / "best.safetensors"]  # same name, two runs
    for run in runs:
        run.parent.mkdir()
        shutil.copy(family["16s"], run)
    store = MemoryStore(device="cpu")
    first = ViewModel(Session(Catalog(family["8s"].parent)), store)
    first.restore()
    for run in runs:
        first.add_model_file(run)
    assert {str(r) for r in runs} <= set(store[MODELS_KEY])
    runs[1].unlink()  # gone since: quietly left out
    again = ViewModel(Session(Catalog(family["8s"].parent)), store)
    listed = []
    again.events.catalog.connect(lambda: listed.append([e.path for e in again.session.catalog.entries]))
    again.restore()
    paths = [e.path for e in again.session.catalog.entries]
    assert runs[0] in paths and runs[1] not in paths and family["8s"] in paths
    assert listed and runs[0] in listed[-1]  # told: the window's model box lists what came back
