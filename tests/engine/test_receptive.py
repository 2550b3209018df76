"""Receptive fields and feeding cells of one output pixel, held to the nets' own gradients.

The gradient of one output pixel's logit is zero outside the pixels and cells the pixel depends on,
so it checks the geometry without trusting it: the input gradient must vanish outside the drawn
field (and not inside all of it), the gradient by each map of the pass must be non-zero exactly at
the cells `feeding_cells` names. Compact widths and small inputs (a little larger than the fields,
so that a field ends inside the image on some sides) keep this fast.
"""

import pytest
import torch

from fcn_studio import build_model
from fcn_studio.engine.receptive import (Cells, _head_tail, cell_field, contributions, feeding_cells,
                                         receptive_field, score_maps, trunk_field)

# (architecture, input height, width, pixels probed as (y, x)): one inside, one near a corner.
CASES = [
    ("fcn32s", 500, 470, [(250, 235), (7, 460)]),
    ("fcn8s", 500, 470, [(250, 235), (493, 3)]),
    ("alexnet-fcn32s", 430, 420, [(215, 210), (2, 2)]),
    ("alexnet-fcn8s", 430, 420, [(201, 230), (425, 417)]),
    ("googlenet-fcn32s", 420, 400, [(210, 200), (419, 0)]),
    ("googlenet-fcn8s", 420, 400, [(211, 197), (5, 390)]),
]


def generic(arch, seed=0):
    """A compact net in eval mode whose score layers and learnable upsamplings are random (a fresh
    net's zero scores would hide every path), the final upsampling left bilinear as always."""
    torch.manual_seed(seed)
    model = build_model(arch, num_classes=3, width=0.0625).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith("score_"):
                param.normal_(0, 0.5)
            elif name.startswith("upscore") and param.requires_grad:
                param.uniform_(0.2, 1.0)
    return model


@pytest.fixture(scope="module", params=CASES, ids=[c[0] for c in CASES])
def case(request):
    arch, h, w, pixels = request.param
    return generic(arch), torch.rand(1, 3, h, w), pixels


def test_vgg16_fcn32s_score_cell_sees_404_px_and_a_pixel_436():
    """CVPR Table 1's 404 px for VGG16, at the paper's full width (built on the meta device) and at
    a compact one: width changes channels, not geometry. A 32s pixel blends 2 × 2 score_fr cells
    (k64, stride 32), so its own field is 404 + 32."""
    with torch.device("meta"):
        full = build_model("fcn32s")
    assert trunk_field(full) == trunk_field(generic("fcn32s")) == 404
    shapes = {"score_fr": (1, 21, 23, 23), "logits": (1, 21, 600, 600)}
    box = receptive_field(full, shapes, 300, 300)
    assert box.size == (436, 436)
    assert (box.top, box.left, box.bottom, box.right) == (67, 67, 503, 503)
    assert feeding_cells(full, shapes, 300, 300)["score_fr"] == Cells(range(8, 10), range(8, 10))


def test_fields_of_the_other_trunks_and_skips():
    """Each trunk's own numbers from its layers: AlexNet 355 px, torchvision's GoogLeNet 379 px
    (googlenet.py says why not Table 1's 907), VGG16's pool4 and pool3 scores 100 and 44 px."""
    assert trunk_field(generic("alexnet-fcn32s")) == 355
    assert trunk_field(generic("googlenet-fcn32s")) == 379
    vgg = generic("fcn8s")
    assert cell_field(vgg, "score_pool4", 0, 0).size == (100, 100)
    assert cell_field(vgg, "score_pool3", 0, 0).size == (44, 44)


def test_field_is_clipped_to_the_image_and_keeps_its_full_size():
    model = generic("fcn32s")
    shapes = {"score_fr": (1, 3, 10, 10), "logits": (1, 3, 100, 120)}
    box = receptive_field(model, shapes, 0, 119)
    assert (box.top, box.left, box.bottom, box.right) == (0, 0, 100, 120)
    assert box.size == (404, 436)  # row 0: the cell above it does not exist, one score_fr row feeds it
    with pytest.raises(ValueError, match="outside"):
        feeding_cells(model, shapes, 100, 0)


@pytest.mark.slow
def test_input_gradient_lies_inside_the_field(case):
    model, x, pixels = case
    x = x.clone().requires_grad_(True)
    logits = model(x)
    for y, px in pixels:
        (grad,) = torch.autograd.grad(logits[0, 1, y, px], x, retain_graph=True)
        support = grad[0].abs().sum(0) != 0
        box = receptive_field(model, _shapes(model, x), y, px)
        inside = torch.zeros_like(support)
        inside[box.top : box.bottom, box.left : box.right] = True
        assert support.any()
        assert not (support & ~inside).any(), f"gradient outside the field at ({y}, {px})"
        near = support[max(y - 20, 0) : y + 21, max(px - 20, 0) : px + 21]
        assert near.any(), "no gradient near the pixel itself"
        # The field is not the whole image: the test can fail on each side where the box ends inside.
        if box.bottom < x.shape[2] or box.right < x.shape[3] or box.top > 0 or box.left > 0:
            assert not inside.all()


def test_gradient_by_each_map_is_non_zero_exactly_at_the_feeding_cells(case):
    model, x, pixels = case
    maps = model.intermediates(x)
    names = [name for name in maps if name != "logits"]
    for y, px in pixels:
        cells = feeding_cells(model, maps, y, px)
        assert set(cells) == set(names)
        grads = torch.autograd.grad(maps["logits"][0, 1, y, px], [maps[n] for n in names], retain_graph=True)
        for name, grad in zip(names, grads, strict=True):
            support = grad[0].abs().sum(0) != 0
            expected = torch.zeros_like(support)
            block = cells[name]
            expected[block.rows.start : block.rows.stop, block.cols.start : block.cols.stop] = True
            assert len(block) > 0
            assert torch.equal(support, expected), f"{name} at ({y}, {px}): {support.nonzero().tolist()} vs {block}"


def test_contributions_add_up_to_the_logit(case):
    """The head after the score layers is linear and bias-free: value × weight over the feeding
    cells of every score map is the logit (the bilinear and the random 2× kernels mix no classes
    here, so the class-to-class weights are all of it only where the kernels are diagonal)."""
    model, x, pixels = case
    with torch.no_grad():
        for name in ("upscore2", *(f"upscore_{s}" for s in model.skips[:-1])):
            if hasattr(model, name):  # a diagonal random kernel: every class to itself only
                w = getattr(model, name).weight
                w.mul_(torch.eye(w.shape[0])[:, :, None, None])
        maps = {k: v.numpy() for k, v in model.intermediates(x).items()}
    for y, px in pixels:
        parts = contributions(model, maps, y, px, 2)
        assert {p.map for p in parts} == set(score_maps(model))
        assert sum(p.share for p in parts) == pytest.approx(float(maps["logits"][0, 2, y, px]), rel=1e-4, abs=1e-4)
        assert all(p.weight > 0 for p in parts)


def test_head_tail_is_the_heads_own():
    """The tail `contributions` differentiates gives the logits of the forward pass, from its maps."""
    model = generic("fcn8s")
    x = torch.rand(1, 3, 70, 90)
    with torch.no_grad():
        maps = model.intermediates(x)
        tail = _head_tail(model, {n: maps[n] for n in score_maps(model)}, 70, 90)
    assert torch.allclose(tail, maps["logits"], atol=1e-5)


def test_cells_iterate_row_major():
    assert list(Cells(range(1, 3), range(4, 6))) == [(1, 4), (1, 5), (2, 4), (2, 5)]
    assert len(Cells(range(0), range(3))) == 0


def _shapes(model, x):
    with torch.no_grad():
        return {k: tuple(v.shape) for k, v in model.intermediates(x).items()}
