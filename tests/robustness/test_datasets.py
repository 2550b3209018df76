"""Broken datasets: errors name the file and the split-list line, and training never starts on them.

Covered elsewhere, per reader: a missing image or label names the file and its line
(tests/data/test_voc_dataset.py::test_missing_image_names_file_and_split_line), values outside
the classes (::test_label_values_outside_classes_name_the_label_file), size mismatch
(::test_size_mismatch_names_both_files), an empty split list (::test_empty_split_is_an_error).
"""

import shutil

import numpy as np
import pytest
from PIL import Image

from fcn_studio.app.train_job import TrainJob
from fcn_studio.cli import main
from fcn_studio.data import DatasetError, FolderDataset, open_dataset
from fcn_studio.palette import save_label_png
from fcn_studio.data.verify import verify_dataset
from fcn_studio.training import CancelToken, StepDone, TrainConfig, train
from tests.training.conftest import quick_recipe

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

SEG = "SegmentationClass"
LIST = "ImageSets/Segmentation/train.txt"


def broken_copy(colour_set, tmp_path):
    """The colour set with img_002's mask at 7 (of 3 classes) and img_005's mask too small."""
    root = shutil.copytree(colour_set, tmp_path / "set")
    label = np.zeros((48, 48), np.uint8)
    label[10:20, 10:20] = 7
    save_label_png(label, root / SEG / "img_002.png")
    save_label_png(np.zeros((40, 48), np.uint8), root / SEG / "img_005.png")
    return root


def config(root, out):
    return TrainConfig(data=str(root), out=str(out), recipe=quick_recipe(iterations=4), width=0.0625, device="cpu")


def test_verify_names_every_broken_file_with_its_list_line(colour_set, tmp_path):
    root = broken_copy(colour_set, tmp_path)
    with pytest.raises(DatasetError) as err:
        verify_dataset(open_dataset(root, "train"), "training split 'train'")
    message = str(err.value)
    assert err.value.path == str(root / SEG / "img_002.png")
    assert message.startswith(f"{root / SEG / 'img_002.png'}: label values 7 are outside the 3 classes")
    assert f"(listed on line 3 of {root / LIST})" in message
    assert "2 of 8 items in the training split 'train' are broken" in message
    assert f"{root / SEG / 'img_005.png'}: label is 48×40 but its image" in message
    assert f"(listed on line 6 of {root / LIST})" in message


def test_verify_counts_what_it_does_not_spell_out(colour_set, tmp_path, monkeypatch):
    root = shutil.copytree(colour_set, tmp_path / "set")
    for i in range(8):
        (root / "JPEGImages" / f"img_{i:03d}.png").write_bytes(b"garbage")
    dataset = open_dataset(root, "train")
    with pytest.raises(DatasetError) as err:
        verify_dataset(dataset)
    assert "8 of 8 items" in str(err.value) and str(err.value).count("image unreadable") == 8
    monkeypatch.setattr("fcn_studio.data.verify.SHOWN", 3)
    with pytest.raises(DatasetError) as err:
        verify_dataset(dataset)
    assert str(err.value).count("image unreadable") == 3 and str(err.value).endswith("… and 5 more")


def test_verify_stops_early_when_asked_and_refuses_an_empty_set(colour_set, tmp_path):
    root = broken_copy(colour_set, tmp_path)
    verify_dataset(open_dataset(root, "train"), should_stop=lambda: True)  # no verdict, no error
    folder = tmp_path / "folder"
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    for name in ("a", "b"):
        Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(folder / "images" / f"{name}.png")
        Image.fromarray(np.full((4, 4), 30, np.uint8)).save(folder / "masks" / f"{name}.png")
    (folder / "train.txt").write_text("# picked by hand\nb\n")
    with pytest.raises(DatasetError, match=rf"b\.png: label values 30 .*\(listed on line 2 of {folder / 'train.txt'}\)"):
        verify_dataset(FolderDataset(folder, "train"))
    empty = FolderDataset(folder, "train")
    empty.ids = []
    with pytest.raises(DatasetError, match="the dataset has no images"):
        verify_dataset(empty)


def test_training_does_not_start_on_a_broken_set(colour_set, tmp_path):
    root = broken_copy(colour_set, tmp_path)
    events = []
    with pytest.raises(DatasetError, match=r"img_002\.png: label values 7 .*line 3 of"):
        train(config(root, tmp_path / "run"), on_event=events.append)
    assert events == [] and not (tmp_path / "run").exists()


def test_broken_validation_split_also_stops_training(colour_set, tmp_path):
    root = shutil.copytree(colour_set, tmp_path / "set")
    save_label_png(np.zeros((48, 30), np.uint8), root / SEG / "img_010.png")
    with pytest.raises(DatasetError, match=r"img_010\.png: label is 30×48 but its image .* is 48×48 \(listed on line 3 of .*val\.txt\)"):
        train(config(root, tmp_path / "run"))
    assert not (tmp_path / "run").exists()


def test_train_job_and_cli_report_the_file_and_line(colour_set, tmp_path, capsys):
    root = broken_copy(colour_set, tmp_path)
    job = TrainJob(config(root, tmp_path / "run"))
    events = []
    with pytest.raises(DatasetError, match=r"img_002\.png: label values 7 .*line 3 of"):
        for event in job.run():
            events.append(event)
    assert not any(isinstance(e, StepDone) for e in events)
    code = main(["train", "--data", str(root), "--out", str(tmp_path / "cli"), "--width", "0.0625", "--iterations", "2"])
    assert code == 1 and "img_002.png: label values 7" in capsys.readouterr().err
    assert not (tmp_path / "cli").exists()


def test_a_cancel_during_the_check_starts_nothing(colour_set, tmp_path):
    token = CancelToken()
    token.cancel()
    [result] = train(config(broken_copy(colour_set, tmp_path), tmp_path / "run"), cancel=token)
    assert result.status == "cancelled" and result.iteration == 0


def test_the_set_is_checked_once_per_run_and_not_for_a_finished_one(colour_set, tmp_path, monkeypatch):
    from fcn_studio.training import resume, stages

    checked = []
    monkeypatch.setattr(stages, "verify_dataset", lambda dataset, what, stop: checked.append(what))
    staged = TrainConfig(data=str(colour_set), out=str(tmp_path / "run"), recipe=quick_recipe(iterations=2),
                         stage="staged", width=0.0625, device="cpu")
    assert [r.status for r in train(staged)] == ["done"] * 3
    assert checked == ["training split 'train'", "validation split 'val'"]  # once for three stages
    checked.clear()
    assert [r.message for r in resume(tmp_path / "run")] == ["already finished"] * 3 and checked == []


def test_resuming_an_unfinished_run_on_a_set_broken_since_refuses(colour_set, tmp_path):
    from fcn_studio.training import resume

    root = shutil.copytree(colour_set, tmp_path / "set")
    token = CancelToken()
    stop_at_two = lambda e: token.cancel() if isinstance(e, StepDone) and e.iteration == 2 else None  # noqa: E731
    [first] = train(config(root, tmp_path / "run"), on_event=stop_at_two, cancel=token)
    assert first.status == "cancelled"
    save_label_png(np.full((48, 48), 7, np.uint8), root / SEG / "img_002.png")
    with pytest.raises(DatasetError, match=r"img_002\.png: label values 7"):
        resume(tmp_path / "run")
