"""The window's state without a window: what is requested, what would be drawn, what is remembered."""

import numpy as np
import pytest

from fcn_studio.app import analysis
from fcn_studio.app import view_sentences as sentences
from fcn_studio.app import view_state
from fcn_studio.app import overlay
from fcn_studio.app.catalog import Catalog
from fcn_studio.app.jobs import HeadResult
from fcn_studio.app.session import Session, open_image_file
from fcn_studio.app.segment_requests import SegmentRequest
from fcn_studio.app.view_model import ViewModel
from fcn_studio.app.view_settings import MemoryStore
from fcn_studio.engine import ModelInfo, build_model, save_model
from tests.compact_models import PALETTE, write_family, write_image


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    return write_family(tmp_path_factory.mktemp("models"))


@pytest.fixture
def vm(family):
    model = ViewModel(Session(Catalog(family["8s"].parent)), MemoryStore(device="cpu"))
    model.restore()
    return model


def recorder(signal):
    seen = []
    signal.connect(lambda *args: seen.append(args[0] if args else None))
    return seen


def compute(vm, request: SegmentRequest):
    """What the window's worker does with a request: run its job, hand each result back."""
    for result in request.job(vm.session).run():
        vm.add_result(result)


def test_restore_takes_up_the_remembered_choices(family):
    store = MemoryStore(model=str(family["8s"]), head="16s", device="cpu", opacity="0.7", stitch="4")
    vm = ViewModel(Session(Catalog(family["8s"].parent)), store)
    vm.restore()
    assert (vm.head, vm.device, vm.opacity, vm.stitch) == ("16s", "cpu", 0.7, 4)
    assert vm.entry.path == family["16s"].resolve() and list(vm.family) == ["32s", "16s", "8s"]
    store["stitch"] = "3"  # not a factor the menu offers
    again = ViewModel(Session(Catalog(family["8s"].parent)), store)
    again.restore()
    assert again.stitch == 0


def test_a_new_image_requests_the_shown_head_first_then_the_finest(vm, tmp_path):
    requests = recorder(vm.events.requested)
    vm.head = "16s"
    assert requests == []  # no image yet: nothing to compute
    image = open_image_file(write_image(tmp_path / "a.png"))
    vm.image = image
    assert len(requests) == 1 and requests[0].image is image
    assert [e.head for e in requests[0].entries] == ["16s", "8s", "32s"] and requests[0].device == "cpu"
    vm.image = image  # the same image again: no new request
    vm.refresh()  # asked again on purpose: the same request once more
    assert len(requests) == 2 and requests[1].key == requests[0].key


def test_results_are_drawn_once_and_nothing_is_asked_twice(vm, tmp_path):
    requests, results, shown = recorder(vm.events.requested), recorder(vm.events.result), recorder(vm.events.shown)
    vm.image = open_image_file(write_image(tmp_path / "a.png"))
    compute(vm, requests[0])
    assert results == ["8s", "16s", "32s"] and vm.missing() == [] and vm.session.forward_passes == 3
    assert not vm.from_cache()  # the shown head was just computed
    vm.head = "32s"
    assert vm.from_cache() and len(requests) == 1  # every head is there: nothing more to ask
    vm.opacity, vm.hidden, vm.compare = 0.3, {1}, True
    assert len(shown) == 2 and len(requests) == 1  # display options neither redraw results nor compute


def test_switching_to_shift_and_stitch_recomputes_only_the_32s_head(vm, tmp_path):
    requests = recorder(vm.events.requested)
    vm.image = open_image_file(write_image(tmp_path / "a.png"))
    compute(vm, requests[0])
    vm.stitch = 2
    assert [e.head for e in requests[-1].entries] == ["32s"] and requests[-1].stitch == 2
    assert sentences.head_label(vm, "32s") == "FCN-32s stitched ×2" and sentences.head_label(vm, "8s") == "FCN-8s"
    assert vm.store.value("stitch") == 2


def test_a_result_for_an_image_left_behind_is_not_drawn(vm, tmp_path):
    results = recorder(vm.events.result)
    first = open_image_file(write_image(tmp_path / "a.png"))
    vm.image = first
    stale = next(iter(SegmentRequest(first, (vm.entry,), "cpu", 0).job(vm.session).run()))
    vm.image = open_image_file(write_image(tmp_path / "b.png", seed=3))
    vm.add_result(stale)
    assert results == [] and vm.prediction() is None


def test_statistics_are_computed_once_per_result(vm, tmp_path, monkeypatch):
    calls = []
    real = analysis.image_metrics
    monkeypatch.setattr(analysis, "image_metrics", lambda *a: calls.append(1) or real(*a))
    image = open_image_file(write_image(tmp_path / "a.png", mask=True))
    requests = recorder(vm.events.requested)
    vm.image = image
    compute(vm, requests[0])
    first = vm.metrics()
    for _ in range(5):
        vm.opacity = np.random.rand()
        assert vm.metrics() == first
    assert calls == [1]
    assert first == real(vm.prediction().labels, image.truth, 4)
    changed = vm.skip_changes("16s")
    np.testing.assert_array_equal(changed, vm.prediction("32s").labels != vm.prediction("16s").labels)
    assert vm.skip_changes("16s") is changed and vm.skip_changes("32s") is None


def test_hover_text_names_class_score_head_and_truth(vm, tmp_path):
    image = open_image_file(write_image(tmp_path / "a.png", mask=True))
    requests = recorder(vm.events.requested)
    vm.image = image
    assert sentences.hover_text(vm, 3, 4) == ""  # nothing computed yet
    compute(vm, requests[0])
    pred = vm.prediction()
    label, truth = int(pred.labels[4, 3]), int(image.truth[4, 3])
    names = vm.class_names
    assert sentences.hover_text(vm, 3, 4) == (f"pixel (3, 4): {names[label]} {pred.scores[label, 4, 3]:.2f} (FCN-8s) | truth: "
                                   f"{names[truth] if truth < len(names) else 'void'}")
    assert sentences.hover_text(vm, -1, -1) == "" and sentences.hover_text(vm, 64, 0) == ""


def test_fields_emit_only_when_they_change_and_are_remembered(vm):
    opacity, hidden, head = recorder(vm.events.opacity), recorder(vm.events.hidden), recorder(vm.events.head)
    vm.opacity = 0.5
    vm.opacity = 0.8
    vm.opacity = 1.7  # clipped
    vm.hidden = [2, 1]
    vm.hidden = {1, 2}
    vm.head = "4s"  # no such head in the family: ignored
    assert opacity == [0.8, 1.0] and hidden == [frozenset({1, 2})] and head == []
    assert vm.store.value("opacity") == 1.0
    np.testing.assert_array_equal(vm.label_lut(), overlay.label_lut(np.array(PALETTE, np.uint8), {0, 1, 2}))  # 0: background


def test_another_model_with_other_classes_resets_toggles_and_the_inspected_class(vm, family, tmp_path):
    vm.hidden, vm.class_index = {2}, 3
    vm.model = vm.session.catalog.find("fcn16s")  # same classes: kept
    assert vm.head == "16s" and vm.hidden == {2} and vm.class_index == 3
    info = ModelInfo(arch="fcn8s", num_classes=2, width=0.0625, class_names=["a", "b"], palette=[[0, 0, 0], [9, 9, 9]])
    path = save_model(build_model("fcn8s", num_classes=2, width=0.0625, info=info), tmp_path / "two.safetensors")
    entry = vm.session.catalog.add_file(path)
    models = recorder(vm.events.model)
    vm.model = entry
    assert models == [entry] and vm.hidden == frozenset() and vm.class_index == 1 and vm.class_names == ["a", "b"]
    assert vm.store.value("model") == str(entry.path)


def test_add_model_file_rereads_a_rewritten_member_of_the_shown_family(family, tmp_path):
    """A training run rewrote the shown model's file: the family is shown again with the new entry."""
    runs = write_family(tmp_path / "run")
    vm = ViewModel(Session(Catalog(tmp_path / "no-shipped-models")), MemoryStore(device="cpu"))
    vm.model = vm.session.catalog.add_file(runs["8s"])
    image = open_image_file(write_image(tmp_path / "a.png"))
    requests = recorder(vm.events.requested)
    vm.image = image
    compute(vm, requests[0])
    catalog, models = recorder(vm.events.catalog), recorder(vm.events.model)
    entry = vm.add_model_file(runs["8s"])
    assert catalog == [None] and models == [entry] and vm.entry is entry
    assert vm.prediction() is None and [e.head for e in requests[-1].entries] == ["8s"]  # its old result is gone


def test_memory_store_is_a_settings_store():
    store = MemoryStore()
    store.setValue("head", "16s")
    assert store.value("head") == "16s" and store.value("nothing", 3) == 3


@pytest.mark.slow
def test_segment_request_makes_the_job_it_describes(vm, tmp_path):
    image = open_image_file(write_image(tmp_path / "a.png"))
    request = SegmentRequest(image, tuple(vm.family.values()), "cpu", 4)
    job = request.job(vm.session)
    assert job.image is image and job.entries == list(vm.family.values()) and job.stitch == 4 and job.device == "cpu"
    assert request.key == (image.key, tuple(str(e.path) for e in vm.family.values()), "cpu", 4)
    assert view_state.STITCH_FACTORS == (0, 2, 4, 8, 32)
    assert isinstance(next(iter(job.run())), HeadResult)


def test_images_opened_models_and_plain_switches_emit(vm, family, tmp_path):
    images, catalog, models = recorder(vm.events.images), recorder(vm.events.catalog), recorder(vm.events.model)
    first = vm.add_image(open_image_file(write_image(tmp_path / "a.png")))
    again = vm.add_image(open_image_file(tmp_path / "a.png"))  # the same file opened twice: listed once
    assert images == [first, again] and vm.session.images == [again]
    vm.opened_model(vm.session.catalog.find("fcn32s"))
    assert catalog == [None] and models[-1].head == "32s" and vm.head == "32s"
    devices, compare, changes = recorder(vm.events.device), recorder(vm.events.compare), recorder(vm.events.changes)
    vm.device, vm.compare, vm.changes = "cpu", True, True
    vm.device = "cuda:0"
    assert devices == ["cuda:0"] and compare == [True] and changes == [True] and vm.store.value("device") == "cuda:0"


def test_a_model_chosen_after_a_head_switch_is_restored_at_its_own_head(family):
    """Issue #17/6: left on FCN-8s (picked in the model list after FCN-32s), reopened on FCN-32s."""
    store = MemoryStore(device="cpu")
    vm = ViewModel(Session(Catalog(family["8s"].parent)), store)
    vm.restore()
    vm.head = "32s"
    vm.model = vm.session.catalog.find(str(family["8s"]))  # the model list: the 8s file, at its own head
    assert vm.head == "8s"
    again = ViewModel(Session(Catalog(family["8s"].parent)), store)
    again.restore()
    assert again.head == "8s" and again.entry.path == family["8s"].resolve()


def test_skip_note_counts_the_changed_pixels_or_says_why_there_are_none(vm, family, tmp_path):
    """Issue #17/13: on 32s the skip view said nothing; in the single view it needs a count."""
    vm.image = open_image_file(write_image(tmp_path / "a.png", size=100))
    assert sentences.skip_note(vm, "8s") == ""  # still computing
    compute(vm, SegmentRequest(vm.image, tuple(vm.missing()), "cpu", 0))
    changed = analysis.skip_changes(vm.prediction("16s").labels, vm.prediction("8s").labels)
    n = int(changed.sum())
    assert 0 < n < changed.size
    assert sentences.skip_note(vm) == f"{n:,} px ({100 * n / changed.size:.1f} %) changed by the skips (FCN-8s vs 16s)".replace(",", " ")
    assert sentences.skip_note(vm, "32s") == "FCN-32s has no skip layers: pick 16s or 8s to see where the skips changed the answer"
    lone = ViewModel(Session(Catalog(tmp_path / "none")), MemoryStore(device="cpu"))
    lone.session.catalog.add_file(save_model(build_model("fcn16s", num_classes=4, width=0.0625, info=ModelInfo(
        arch="fcn16s", num_classes=4, width=0.0625, class_names=["a", "b", "c", "d"], palette=PALETTE)),
        tmp_path / "solo16.safetensors"))
    lone.restore()
    assert sentences.skip_note(lone) == "no FCN-32s in this family to compare FCN-16s with"
    wide = np.zeros((100, 130), bool)
    wide[:10, :] = True  # 1 300 of 13 000 pixels: the thousands are spaced
    vm.skip_changes = lambda head: wide
    assert sentences.skip_note(vm, "16s") == "1 300 px (10.0 %) changed by the skips (FCN-16s vs 32s)"


def test_a_live_answer_is_shown_for_its_image_with_its_classes_until_withdrawn(vm, tmp_path):
    from fcn_studio.app.annotate.jobs import LiveResult
    from fcn_studio.engine import Prediction

    image = open_image_file(write_image(tmp_path / "a.png", mask=True))
    other = open_image_file(write_image(tmp_path / "b.png", seed=3))
    requests = recorder(vm.events.requested)
    vm.image = image
    compute(vm, requests[0])
    head_result = vm.prediction()
    labels = np.ones(image.rgb.shape[:2], np.uint8)
    scores = np.stack([np.full(labels.shape, 0.25, np.float32), np.full(labels.shape, 0.75, np.float32)])
    live = LiveResult(image.key, Prediction(labels, scores), ("ground", "thing"), np.array([[0, 0, 0], [9, 8, 7]], np.uint8), 7)
    results, lives = recorder(vm.events.result), recorder(vm.events.live)
    vm.show_live(live)
    assert lives == [live] and results == [vm.head] and vm.prediction() is live.prediction
    assert vm.class_names == ["ground", "thing"] and vm.label_lut()[1, :3].tolist() == [9, 8, 7]
    assert sentences.hover_text(vm, 3, 4) == "pixel (3, 4): thing 0.75 (live, update 7)"
    assert vm.metrics() is None and vm.prediction("32s") is not live.prediction
    vm.image = other  # another image: its own results, the model's classes
    assert vm.prediction() is not live.prediction and vm.class_names == list(vm.entry.info.class_names)
    vm.image = image
    vm.show_live(None)
    assert vm.prediction() is head_result and lives[-1] is None
