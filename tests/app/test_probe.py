"""The background's transparency and the probed pixel, in the view model and app.probe."""

import numpy as np
import pytest
import torch

from fcn_studio.app.analysis import InternalMap
from fcn_studio.app.catalog import Catalog
from fcn_studio.app.jobs import SegmentJob
from fcn_studio.app.probe import Probe, cell_rects, probe_at
from fcn_studio.app.session import Session, open_image_file
from fcn_studio.app.view_model import ViewModel
from fcn_studio.app.view_settings import MemoryStore
from fcn_studio.engine import Segmenter, load_model
from fcn_studio.engine.receptive import Cells, feeding_cells, receptive_field
from tests.app import test_view_model
from tests.compact_models import write_image
from tests.engine.test_receptive import generic

family, vm = test_view_model.family, test_view_model.vm  # the same compact family and view model fixtures


def shown(vm, path):
    """Open `path` and compute every head, as the window's worker would."""
    vm.image = open_image_file(path)
    for result in SegmentJob(vm.session, vm.image, vm.missing(), vm.device).run():
        vm.add_result(result)


def test_background_is_transparent_by_default_and_the_toggle_is_remembered(family):
    store = MemoryStore(device="cpu")
    vm = ViewModel(Session(Catalog(family["8s"].parent)), store)
    vm.restore()
    assert not vm.show_background and vm.transparent == {0}  # class 0 is "background"
    assert vm.label_lut()[0, 3] == 0 and vm.label_lut()[1, 3] == 255
    seen = []
    vm.events.show_background.connect(seen.append)
    vm.show_background = True
    assert seen == [True] and vm.transparent == frozenset() and vm.label_lut()[0, 3] == 255
    vm.hidden = {2}
    assert vm.transparent == {2}
    again = ViewModel(Session(Catalog(family["8s"].parent)), store)
    again.restore()
    assert again.show_background


def test_probe_is_the_engines_field_and_cells_and_is_dropped_with_the_image(vm, family, tmp_path):
    shown(vm, write_image(tmp_path / "a.png", size=96))
    assert vm.probed() is None
    seen = []
    vm.events.probe.connect(seen.append)
    vm.probe = (40, 30)
    probe = vm.probed()
    assert seen == [(40, 30)] and (probe.x, probe.y) == (40, 30)
    maps = vm.prediction().intermediates
    model = load_model(family["8s"])
    assert probe.box == receptive_field(model, maps, 30, 40)
    assert (probe.box.top, probe.box.left, probe.box.bottom, probe.box.right) == (0, 0, 96, 96)  # clipped
    assert probe.box.size[0] > 404 and probe.trunk_field == 404
    assert {k: v for k, v in probe.cells.items() if k != "logits"} == feeding_cells(model, maps, 30, 40)
    assert probe.cells["logits"] == Cells(range(30, 31), range(40, 41))
    assert "receptive field" in probe.label and "(clipped to the image)" in probe.label
    table = probe.table()
    assert table.startswith(f"pixel (40, 30) {vm.class_names[vm.class_index]}: logit")
    assert "score_fr:" in table and "score_pool4:" in table and "score_pool3:" in table
    logit = maps["logits"][vm.class_index, 30, 40]
    assert sum(p.share for p in probe.parts) == pytest.approx(float(logit), rel=1e-3, abs=1e-3)
    assert table.endswith(f"logit = {logit:+.3g}") and "other classes" not in table  # bilinear 2× kernels
    assert vm.probed() is probe  # drawn by two widgets, computed once
    vm.head = "32s"
    assert set(vm.probed().cells) == {"score_fr", "logits"}  # the same pixel, the 32s head's cells
    vm.image = open_image_file(write_image(tmp_path / "b.png", seed=3))
    assert vm.probe is None and seen[-1] is None


def test_probe_says_why_it_is_empty_and_is_none_off_the_image(vm, family, tmp_path):
    shown(vm, write_image(tmp_path / "a.png", size=64))
    model, pred = load_model(family["8s"]), vm.prediction()
    assert probe_at(model, pred, 64, 0, 1) is None and probe_at(model, pred, -1, 0, 1) is None
    stitched = probe_at(model, pred, 3, 3, 1, stitched=True)
    assert stitched.box is None and "shift-and-stitch" in stitched.label and stitched.table() == stitched.note
    pred.intermediates = None
    tiled = probe_at(model, pred, 3, 3, 1)
    assert tiled.box is None and "tiled" in tiled.label


def test_cell_rects_are_the_cells_of_the_map_as_drawn():
    """The outline of a block of cells sits where InternalMap draws those cells."""
    values = np.zeros((5, 7))
    m = InternalMap("score_pool4", values, 16, 5.71875)
    x0, y0, _, _ = m.rect
    assert cell_rects(Cells(range(2, 4), range(1, 2)), 16, 5.71875) == (x0 + 16, y0 + 32, 16, 32)
    assert Probe(1, 2, note="n").table() == "n"


@pytest.mark.parametrize("arch", ["alexnet-fcn8s", "googlenet-fcn16s"])
def test_probe_of_other_trunks_from_the_predictors_maps(arch):
    """The predictor's maps (no batch axis, the final upsampling among them for these trunks) give
    each trunk's own field and cells, and the shares add up to the logit."""
    model = generic(arch)
    with torch.no_grad():  # the random 2× kernels class to same class only, as bilinear ones are
        for name, param in model.named_parameters():
            if name.startswith("upscore"):
                param.mul_(torch.eye(param.shape[0])[:, :, None, None])
    rgb = np.random.default_rng(0).integers(0, 256, (120, 100, 3), dtype=np.uint8)
    pred = Segmenter(model, device="cpu", precision="fp32", backend="torch").predict(rgb, scores=True, intermediates=True)
    probe = probe_at(model, pred, 50, 60, 1, "one")
    assert probe.box == receptive_field(model, pred.intermediates, 60, 50)
    assert probe.trunk_field == (355 if arch.startswith("alexnet") else 379)
    assert model.final_upsampling in probe.cells and len(probe.cells[model.final_upsampling]) == 1
    logit = pred.intermediates["logits"][1, 60, 50]
    assert sum(p.share for p in probe.parts) == pytest.approx(float(logit), rel=1e-3, abs=1e-3)
    probe.logit += 0.5  # as if a learned 2× kernel carried other classes' scores in
    assert "other classes' cells, through the learned 2× kernels: +0.5" in probe.table()
