"""When the window speaks unasked: the interrupted run to offer, the note on photos."""

import numpy as np

from fcn_studio.app.catalog import Catalog
from fcn_studio.app.note_rules import (
    forget_interrupted,
    hide_photo_note,
    interrupted_run,
    remember_interrupted,
    wants_photo_note,
)
from fcn_studio.app.session import OpenImage
from fcn_studio.app.train_job import checkpoint_of
from fcn_studio.app.view_settings import MemoryStore
from fcn_studio.paths import models_dir, sample_images
from tests.compact_models import write_family


def image(path):
    return OpenImage(key=str(path), name="x", rgb=np.zeros((4, 4, 3), np.uint8), path=path)


def test_the_interrupted_run_is_offered_while_it_is_a_run_folder(tmp_path):
    store, run = MemoryStore(), tmp_path / "run"
    remember_interrupted(store, run)
    assert interrupted_run(store) is None and not store.value("training/interrupted_run")  # no config.json
    run.mkdir()
    (run / "config.json").write_text("{}")
    remember_interrupted(store, run)
    assert interrupted_run(store) == run
    forget_interrupted(store, tmp_path / "other")
    assert interrupted_run(store) == run
    forget_interrupted(store, run)
    assert interrupted_run(store) is None


def test_the_photo_note_is_for_synthetic_models_shown_something_else(tmp_path):
    shipped = Catalog(models_dir()).default()
    compact = Catalog(write_family(tmp_path / "m")["8s"].parent).default()
    store = MemoryStore()
    sample, photo, pasted = image(sample_images()[0]), image(tmp_path / "cat.png"), image(None)
    assert sample.is_sample and not photo.is_sample and not pasted.is_sample
    assert wants_photo_note(store, photo, shipped) and wants_photo_note(store, pasted, shipped)
    assert not wants_photo_note(store, sample, shipped) and not wants_photo_note(store, photo, compact)
    assert not wants_photo_note(store, None, shipped) and not wants_photo_note(store, photo, None)
    hide_photo_note(store)
    assert not wants_photo_note(store, photo, shipped)


def test_checkpoint_of_a_plain_and_a_missing_run(tmp_path):
    assert checkpoint_of(tmp_path / "run", "32s") == tmp_path / "run" / "checkpoints" / "last.pt"


def test_checkpoint_of_a_staged_run_is_in_its_stage_folder(tmp_path):
    from fcn_studio.training.run_folder import TrainConfig, write_config
    write_config(TrainConfig(data="d", out=str(tmp_path / "run"), stage="staged"))
    assert checkpoint_of(tmp_path / "run", "16s") == tmp_path / "run" / "16s" / "checkpoints" / "last.pt"


def test_the_users_own_model_gets_no_photo_note_even_with_a_shipped_models_notes(tmp_path):
    """#30 item 4: a model fine-tuned from a shipped one keeps its notes; the note is the shipped models' only."""
    from dataclasses import replace
    shipped = Catalog(models_dir()).default()
    own = replace(shipped, path=tmp_path / "best.safetensors", shipped=False)
    assert shipped.scenes_only and not own.scenes_only
    photo = image(tmp_path / "cat.png")
    assert wants_photo_note(MemoryStore(), photo, shipped) and not wants_photo_note(MemoryStore(), photo, own)
