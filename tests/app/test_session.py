"""The session's two locks: the GUI thread's lookups never wait for a forward pass (#26 item 6)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from fcn_studio.app.catalog import Catalog
from fcn_studio.app.session import Session, open_image_file
from fcn_studio.engine import Segmenter
from tests.compact_models import write_family, write_image


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    return write_family(tmp_path_factory.mktemp("models"))


@pytest.fixture
def held_forward(monkeypatch):
    """Every forward pass waits until the test releases it; `started` is set when one is inside."""
    started, release = threading.Event(), threading.Event()
    real = Segmenter.predict

    def predict(self, *args, **kwargs):
        started.set()
        assert release.wait(30), "the test never released the forward pass"
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Segmenter, "predict", predict)
    return started, release


def test_the_gui_side_lookups_return_while_a_forward_pass_runs(family, tmp_path, held_forward):
    started, release = held_forward
    session = Session(Catalog(family["8s"].parent))
    image = open_image_file(write_image(tmp_path / "a.png"))
    shown, other = session.catalog.find("fcn8s"), session.catalog.find("fcn16s")
    loaded = session.segmenter(shown, "cpu")  # the shown head's net, as the probe needs it
    with ThreadPoolExecutor(1) as worker:
        pending = worker.submit(session.segment, image, other, "cpu")
        assert started.wait(30)
        # The forward pass is held inside the compute lock; these must not wait for it.
        looked_up = ThreadPoolExecutor(1).submit(lambda: (session.segmenter(shown, "cpu"),
                                                          session.cached(image, other, "cpu")))
        seg, cached = looked_up.result(timeout=10)
        assert seg is loaded and cached is None and not pending.done()
        release.set()
        pred, from_cache = pending.result(timeout=60)
    assert not from_cache and session.cached(image, other, "cpu") is pred and session.forward_passes == 1


def test_two_threads_asking_for_one_result_compute_it_once(family, tmp_path, held_forward):
    started, release = held_forward
    session = Session(Catalog(family["8s"].parent))
    image = open_image_file(write_image(tmp_path / "a.png"))
    entry = session.catalog.find("fcn32s")
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(session.segment, image, entry, "cpu")
        assert started.wait(30)
        second = pool.submit(session.segment, image, entry, "cpu")
        release.set()
        (a, a_cached), (b, b_cached) = first.result(timeout=60), second.result(timeout=60)
    assert a is b and session.forward_passes == 1 and (a_cached, b_cached) == (False, True)


def test_a_model_that_fails_to_load_is_tried_again(family, tmp_path, monkeypatch):
    session = Session(Catalog(family["8s"].parent))
    entry = session.catalog.find("fcn32s")
    real = Segmenter.__init__
    monkeypatch.setattr(Segmenter, "__init__", lambda self, *a, **k: (_ for _ in ()).throw(MemoryError("full")))
    with pytest.raises(MemoryError):
        session.segmenter(entry, "cpu")
    monkeypatch.setattr(Segmenter, "__init__", real)
    assert isinstance(session.segmenter(entry, "cpu"), Segmenter)


def test_the_windows_segmenters_gate_reduced_precision_on_the_models_own_images(family):
    """Not only the shipped scene models: a model trained on a dataset or an annotation project
    gets the images it learned from (data/own_images.py), so bf16 and int8 may pass their gate."""
    from fcn_studio.data.own_images import own_images

    session = Session(Catalog(family["8s"].parent))
    seg = session.segmenter(session.catalog.find("fcn32s"), "cpu")
    assert seg._calibration is own_images
