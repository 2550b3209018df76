"""The FCN head evaluated at chosen output pixels only, from cached trunk blobs.

Everything after the trunk's blobs is linear: 1×1 score layers, transposed convolutions, crops and
sums. So a logit at output pixel p is a sum over a few cells of each coarser map, found by walking
the head backwards (as `engine/receptive.py` walks it for one pixel): the fixed final upsampling
of a stride-s net, cropped, reads ≤ ⌈k/s⌉² cells of the last fused map with fixed weights; each
fused cell is one cell of its skip's score map plus ≤ 2×2 cells of the coarser fused map through the
learnable 2× upsampling; and each score cell is a 1×1 convolution of one blob cell.

`plan_pixels` does that walk once for a set of pixels (their cells and taps, deduplicated per level);
`gather_features` takes those blob cells out of the cache once; `sparse_logits` then costs a few
small matrix products per update, whatever the image size — the live head refits the score layers
after every stroke this way, without a full-resolution pass (`live_head.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..engine.fcn import FCN


@dataclass
class Level:
    """The cells of one map that the planned pixels need, coarse (score_fr) to fine (the last fuse).

    `cells`: flat indices into the blob the level's score layer reads (score_fr: the last blob; a
    skip: its blob, already shifted by the skip's alignment). For every level but the first,
    `source`, `tap` and `weight` (n × T) say which cells of the coarser level feed each cell through
    the 2× upsampling, at which kernel tap (flat ky·k + kx), and whether the tap exists (0 or 1).
    They are stored T × n: `sparse_logits` works on class × cell matrices, whose gathers along the
    contiguous cell axis (and their backward) run ~3× faster than row gathers of cell × class ones.
    """

    blob: str
    cells: torch.Tensor
    source: torch.Tensor | None = None
    tap: torch.Tensor | None = None
    weight: torch.Tensor | None = None


@dataclass
class PixelPlan:
    """`levels` coarse to fine, then the pixels' cells of the last level through the final upsampling."""

    levels: list[Level]
    source: torch.Tensor
    tap: torch.Tensor
    weight: torch.Tensor
    pixels: int = field(init=False)

    def __post_init__(self) -> None:
        self.pixels = int(self.source.shape[1])


def deconv_taps(out: torch.Tensor, size_in: int, stride: int, kernel: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For output coordinates `out` of a transposed convolution (no padding), the T = ⌈k/s⌉ input
    coordinates that may feed each (n × T), their kernel taps, and 1.0 where the pair exists."""
    taps = -(-kernel // stride)
    first = torch.div(out, stride, rounding_mode="floor")
    source = first[:, None] - torch.arange(taps)[None, :]
    tap = out[:, None] - stride * source
    valid = (source >= 0) & (source < size_in) & (tap < kernel)
    return source.clamp(0, size_in - 1), tap.clamp(0, kernel - 1), valid.float()


def _cells_2d(ys: torch.Tensor, xs: torch.Tensor, shape: tuple[int, int], stride: int, kernel: int,
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """`deconv_taps` on both axes: flat input cells, flat taps and weights, n × T²."""
    sy, ty, wy = deconv_taps(ys, shape[0], stride, kernel)
    sx, tx, wx = deconv_taps(xs, shape[1], stride, kernel)
    n = ys.shape[0]
    cell = (sy[:, :, None] * shape[1] + sx[:, None, :]).reshape(n, -1)
    tap = (ty[:, :, None] * kernel + tx[:, None, :]).reshape(n, -1)
    weight = (wy[:, :, None] * wx[:, None, :]).reshape(n, -1)
    return cell, tap, weight


def fused_shapes(model: FCN, blob_shapes: dict[str, tuple[int, int]]) -> list[tuple[int, int]]:
    """Height × width of score_fr and of each fused map, as `FCN.head` makes them, and each skip's
    offsets (upsampled map, score map) into the maps it aligns."""
    shapes = [blob_shapes[model.last_blob]]
    for i, skip in enumerate(model.skips):
        up = getattr(model, model.upsampling_name(i))
        k, s = up.kernel_size[0], up.stride[0]
        up_shape = [(n - 1) * s + k for n in shapes[-1]]
        u_off, s_off = _offsets(model, skip)
        shapes.append(tuple(min(u - u_off, b - s_off) for u, b in zip(up_shape, blob_shapes[skip])))
    return shapes


def _offsets(model: FCN, skip: str) -> tuple[int, int]:
    """Where `align` cuts: the upsampled map from `u_off`, the skip's score map from `s_off`."""
    shift = model.skip_shifts[skip]
    return max(0, -shift), max(0, shift)


def plan_pixels(model: FCN, blob_shapes: dict[str, tuple[int, int]], ys: torch.Tensor, xs: torch.Tensor) -> PixelPlan:
    """The cells and taps of every map that output pixels (ys, xs) read, walked from the final
    upsampling back to the last blob. `blob_shapes`: height × width of the last blob and the skips."""
    shapes = fused_shapes(model, blob_shapes)
    final = getattr(model, model.final_upsampling)
    ys = ys.long() + model.crop_offset
    xs = xs.long() + model.crop_offset
    cell, tap, weight = _cells_2d(ys, xs, shapes[-1], final.stride[0], final.kernel_size[0])
    unique, inverse = torch.unique(cell, return_inverse=True)
    px = (inverse.t().contiguous(), tap.t().contiguous(), weight.t().contiguous())
    levels: list[Level] = []
    for i in range(len(model.skips), 0, -1):  # fine to coarse
        skip = model.skips[i - 1]
        width = shapes[i][1]
        a, b = torch.div(unique, width, rounding_mode="floor"), unique % width
        u_off, s_off = _offsets(model, skip)
        blob_width = blob_shapes[skip][1]
        up = getattr(model, model.upsampling_name(i - 1))
        cell, tap, weight = _cells_2d(a + u_off, b + u_off, shapes[i - 1], up.stride[0], up.kernel_size[0])
        coarse, inverse = torch.unique(cell, return_inverse=True)
        levels.append(Level(skip, (a + s_off) * blob_width + (b + s_off),
                            inverse.t().contiguous(), tap.t().contiguous(), weight.t().contiguous()))
        unique = coarse
    levels.append(Level(model.last_blob, unique))
    return PixelPlan(levels[::-1], *px)


def gather_features(model: FCN, blobs: dict[str, torch.Tensor], plan: PixelPlan) -> list[torch.Tensor]:
    """Per level, the blob's vectors at its cells (n × channels), skips scaled as FCN-8s at once
    scales them: what the score layers see, taken out of one image's cached blobs (1×C×h×w)."""
    out = []
    for level in plan.levels:
        blob = blobs[level.blob][0]
        flat = blob.reshape(blob.shape[0], -1).t()
        scale = model.skip_scales.get(level.blob, 1.0) if level.blob in model.skips else 1.0
        out.append(flat[level.cells] * scale if scale != 1.0 else flat[level.cells])
    return out


def concat_plans(plans: list[PixelPlan], features: list[list[torch.Tensor]]) -> tuple[PixelPlan, list[torch.Tensor]]:
    """Several images' plans as one (indices offset into the concatenated cells), so that one
    update is a few matrix products over every painted image at once."""
    levels = []
    for depth in range(len(plans[0].levels)):
        offsets = _offsets_of([p.levels[depth - 1].cells.shape[0] for p in plans]) if depth else None
        parts = [p.levels[depth] for p in plans]
        levels.append(Level(
            parts[0].blob, torch.cat([p.cells for p in parts]),
            None if depth == 0 else torch.cat([p.source + o for p, o in zip(parts, offsets)], 1),
            None if depth == 0 else torch.cat([p.tap for p in parts], 1),
            None if depth == 0 else torch.cat([p.weight for p in parts], 1)))
    offsets = _offsets_of([p.levels[-1].cells.shape[0] for p in plans])
    plan = PixelPlan(levels, torch.cat([p.source + o for p, o in zip(plans, offsets)], 1),
                     torch.cat([p.tap for p in plans], 1), torch.cat([p.weight for p in plans], 1))
    feats = [torch.cat([f[depth] for f in features]) for depth in range(len(levels))]
    return plan, feats


def _offsets_of(counts: list[int]) -> list[int]:
    return [sum(counts[:i]) for i in range(len(counts))]


def head_parameters(model: FCN) -> dict[str, torch.Tensor]:
    """The head's learnable tensors by state_dict name: the score layers and the inner 2× upsamplings
    (the final upsampling stays bilinear, CVPR §4.3)."""
    names = ["score_fr"] + [f"score_{s}" for s in model.skips] + [model.upsampling_name(i) for i in range(len(model.skips))]
    state = model.state_dict()
    return {key: state[key] for key in state if key.split(".")[0] in names}


def sparse_logits(model: FCN, plan: PixelPlan, features: list[torch.Tensor],
                  params: dict[str, torch.Tensor] | None = None) -> torch.Tensor:
    """P × C logits at the planned pixels (a transposed view of a contiguous C × P matrix):
    `FCN.head`'s values there, differentiable in `params` (`head_parameters`' names; the model's
    own tensors where absent)."""
    params = params if params is not None else head_parameters(model)
    c = model.num_classes
    score = params["score_fr.weight"].reshape(c, -1) @ features[0].t() + params["score_fr.bias"][:, None]
    for i, (level, feats) in enumerate(zip(plan.levels[1:], features[1:])):
        weight = params[f"{model.upsampling_name(i)}.weight"]  # C_in × C_out × k × k
        taps = weight.shape[2] * weight.shape[3]
        spread = (weight.reshape(c, c * taps).t() @ score).reshape(c, taps * score.shape[1])  # C_out × (tap, cell)
        up = _gather(spread, level.tap * score.shape[1] + level.source, level.weight)
        layer = f"score_{level.blob}"
        score = up + params[f"{layer}.weight"].reshape(c, -1) @ feats.t() + params[f"{layer}.bias"][:, None]
    final = getattr(model, model.final_upsampling).weight
    diagonal = final[torch.arange(c), torch.arange(c)].reshape(c, -1)  # C × tap: bilinear, class into class
    t, p = plan.source.shape
    values = score.index_select(1, plan.source.reshape(-1)).view(c, t, p)
    kernel = diagonal.index_select(1, plan.tap.reshape(-1)).view(c, t, p)
    return (values * kernel * plan.weight[None]).sum(1).t()


def _gather(matrix: torch.Tensor, index: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Σ_t weight[t, j] · matrix[:, index[t, j]]: C × n from a C × m matrix and T × n indices."""
    t, n = index.shape
    return (matrix.index_select(1, index.reshape(-1)).view(-1, t, n) * weight[None]).sum(1)


def check_final_upsampling(model: FCN) -> None:
    """ValueError unless the final upsampling maps each class into itself only, as `bilinear_weight`
    builds it: `sparse_logits` reads its diagonal alone."""
    weight = getattr(model, model.final_upsampling).weight.detach()
    c = model.num_classes
    off = weight.clone()
    off[torch.arange(c), torch.arange(c)] = 0
    if off.abs().max() > 0:
        raise ValueError(f"{model.final_upsampling} mixes classes; the sparse head needs a per-class upsampling")
