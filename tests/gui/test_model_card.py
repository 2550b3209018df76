"""The Model panel follows the shown head and says what the shipped models learned from."""

from dataclasses import replace

import pytest

from fcn_studio.app.catalog import Catalog, trained_on
from fcn_studio.data.synthetic.own_scenes import is_scenes_model
from fcn_studio.app.session import Session
from fcn_studio.app.view_model import ViewModel
from fcn_studio.engine import read_info
from fcn_studio.gui.model_card import ModelCard, card_html
from fcn_studio.paths import models_dir
from tests.compact_models import write_family
from tests.app.annotate.test_round_models import round_project
from fcn_studio.app.annotate.round_summary import metrics_caveat


@pytest.fixture
def shipped_card(qtbot):
    vm = ViewModel(Session(Catalog(models_dir())))
    vm.restore()
    card = ModelCard()
    qtbot.addWidget(card)
    card.bind(vm)
    return vm, card


def test_card_follows_the_shown_head(shipped_card):
    vm, card = shipped_card
    assert vm.head == "8s" and "FCN-8s — synthetic-scenes" in card.toPlainText()
    for head, file in (("32s", "fcn32s.safetensors"), ("16s", "fcn16s.safetensors"), ("8s", "fcn8s.safetensors")):
        vm.head = head
        text = card.toPlainText()
        assert f"FCN-{head} — synthetic-scenes" in text and file in text
        others = {"fcn32s.safetensors", "fcn16s.safetensors", "fcn8s.safetensors"} - {file}
        assert not any(other in text.split("Classes")[0] for other in others)


def test_card_says_what_the_shipped_models_were_trained_on(shipped_card):
    _, card = shipped_card
    text = card.toPlainText()
    assert "Trained on 6000 synthetic scenes (192 px, data seed 1); scored on 1000 held-out scenes (seed 20151)" in text
    assert "unknown data" not in text
    assert "It knows only the 16 classes below, drawn on synthetic scenes" in text
    assert "'seed': 20151" not in text  # the raw notes do not repeat it
    assert "File ▸ Import weights…" in text


def test_trained_on_reads_each_kind_of_metadata(tmp_path):
    shipped = read_info(models_dir() / "fcn16s.safetensors")
    assert trained_on(shipped).startswith("6000 synthetic scenes (192 px, data seed 1)") and is_scenes_model(shipped.notes)
    compact = read_info(write_family(tmp_path)["8s"])
    assert trained_on(compact) == "synthetic scenes (test)" and not is_scenes_model(compact.notes)  # its recipe says so
    assert trained_on(replace(compact, recipe={})) is None
    run = replace(compact, notes={"data": "/data/voc"})
    assert trained_on(run) == "the dataset /data/voc" and not is_scenes_model(run.notes)
    imported = replace(compact, notes={"imported_from": "fcn8s.caffemodel", "format": "caffe"})
    assert trained_on(imported) == "the data of fcn8s.caffemodel (imported, caffe)"


def test_a_card_shown_again_is_its_kept_document_not_a_new_layout(shipped_card):
    vm, card = shipped_card
    documents = {}
    for head in ("32s", "16s", "8s"):
        vm.head = head
        documents[head] = card.document()
    for head in ("32s", "16s", "8s", "16s"):
        vm.head = head
        assert card.document() is documents[head] and f"FCN-{head} — synthetic-scenes" in card.toPlainText()
    assert len({id(d) for d in documents.values()}) == 3


def test_the_card_cache_keeps_a_bounded_number_of_documents(qtbot):
    from fcn_studio.gui.model_card import CARDS_KEPT, card_html
    card = ModelCard()
    qtbot.addWidget(card)
    vm = ViewModel(Session(Catalog(models_dir())))
    vm.restore()
    entry = vm.entry
    for k in range(CARDS_KEPT + 5):
        card.show_entry(entry, [f"head{k}"])
        assert f"heads in family: head{k}" in card.toPlainText()
    assert len(card._cards) == CARDS_KEPT and card_html(entry, [f"head{CARDS_KEPT + 4}"]) in card._cards


def test_the_model_card_never_shows_a_sparse_score_bare(tmp_path):
    proj, (done,) = round_project(tmp_path, rounds=1)
    entry = Catalog(tmp_path / "none", tmp_path / "none").add_file(done.best_model)
    text = card_html(entry)
    assert "mean IU" in text and "labelled pixels" in text and "mark it fully painted" in text
    assert "<b>Round</b> round 1: kept the last update (1)" in text
    from dataclasses import replace

    blank = replace(entry, info=replace(entry.info, notes={**entry.info.notes, "val_split": "", "seed": 3}))
    assert "seed: 3" in card_html(blank) and "val_split" not in card_html(blank)  # walk-through: "val_split: ;" shown raw
    assert metrics_caveat({"mean_iu": 0.9, "labelled_pixels": 10, "images": 1, "dense_images": 1}) == ""
    assert metrics_caveat({"mean_iu": 0.9}) == ""  # a file that does not say what it covered
    sparse = {"mean_iu": 0.9, "labelled_pixels": 10, "pixels": 100, "labelled_fraction": 0.1, "images": 1, "dense_images": 0}
    assert metrics_caveat(sparse).startswith("on 10 labelled pixels, 10 % of 1 image — paint the test image")
    marked = {"round": {"held_out": {"dense": True}}}  # the user marked the test image fully painted (void edges kept)
    assert metrics_caveat(sparse, marked) == ""
