"""Winograd F(m×m, 3×3) for the wide 3×3 convolutions of an exported FCN: 4× fewer multiplications.

ONNX Runtime runs VGG16's convolutions at ~90 % of an AVX2 CPU's FMA peak, so the exact fp32 graph
has no room left; only doing fewer multiplications helps. Winograd's minimal filtering (Lavin &
Gray 2016) computes each m×m output tile of a 3×3 convolution from an (m+2)×(m+2) input tile as
Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A; summed over input channels, the ⊙ becomes (m+2)² matrix products
of C_out×C_in by C_in×tiles. F(4, 3) needs 36 products per 16 outputs where the direct form needs
144. The graph computes it with ONNX's own operators (a depthwise Conv for Bᵀ d B, a batched MatMul
against the transformed weights, a MatMul for Aᵀ·A and the transposes between), so every runtime
runs it; the maps differ from the direct convolution by float rounding (~1e-5 of their scale,
measured in tests/engine/backends/test_winograd.py), not by an approximation.

Measured on the AVX2 CPU (2 threads, ONNX Runtime, one layer, interleaved): 512 channels at 88²
1.83× the direct Conv, at 44² 1.52×; 256 at 80² 1.35×; 128 at 130² 0.93× (the transforms and
transposes, memory-bound, outweigh the saving on narrow layers). Hence only layers with at least
`MIN_CHANNELS` input and output channels are rewritten: the paper-width net's conv3_2 … conv5_3,
none of the shipped compact models'. F(6, 3) gained only on the largest layer (1.91× against
F(4, 3)'s 1.83×) and lost on the others (1.40× at 44², 1.08× at 256 channels), with twice the rounding.
"""

from __future__ import annotations

import logging
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np
from torch import nn

from .export import layer_of

log = logging.getLogger(__name__)

TILE = 4  # m of F(m, 3)
MIN_CHANNELS = 256
METADATA_KEY = "fcn_studio.winograd"
NODE_MARK = "/winograd/"  # in the name of every node a rewrite adds
# Interpolation points of the Cook–Toom construction (∞ is the last, implicit one): the small
# integers keep the transforms exact in float and the rounding lowest (Lavin & Gray's choice).
POINTS = {2: (0, 1, -1), 4: (0, 1, -1, 2, -2), 6: (0, 1, -1, 2, -2, Fraction(1, 2), Fraction(-1, 2))}


def _solve(a: list[list[Fraction]], b: list[list[Fraction]]) -> list[list[Fraction]]:
    """X with a·X = b for a consistent system with full column rank, exactly (Gauss–Jordan over
    fractions: the transforms are small rationals, and float solvers leave 1e-16 residues)."""
    rows = [ra + rb for ra, rb in zip(a, b)]
    n = len(a[0])
    for col in range(n):
        pivot = next(r for r in range(col, len(rows)) if rows[r][col] != 0)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        rows[col] = [v / rows[col][col] for v in rows[col]]
        for r in range(len(rows)):
            if r != col and rows[r][col] != 0:
                rows[r] = [v - rows[r][col] * w for v, w in zip(rows[r], rows[col])]
    return [row[n:] for row in rows[:n]]


def winograd_matrices(m: int = TILE, r: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bᵀ (n×n), G (n×r), Aᵀ (m×n) of F(m, r), n = m + r − 1, exact values in float64: Aᵀ and G
    from the points (pʲ, and pᵏ / Πⱼ(p − pⱼ)), Bᵀ solved from the identity
    Σᵢ Aᵀ[j,i] G[i,k] Bᵀ[i,l] = [l = j + k] that makes Aᵀ[(G g) ⊙ (Bᵀ d)] the correlation
    y_j = Σₖ d_{j+k} g_k."""
    points = [Fraction(p) for p in POINTS[m]]
    n = m + r - 1
    zero, one = Fraction(0), Fraction(1)
    at = [[p**j for p in points] + [one if j == m - 1 else zero] for j in range(m)]
    scales = [np.prod([p - q for q in points if q != p], dtype=object) for p in points]
    g = [[p**k / s for k in range(r)] for p, s in zip(points, scales)] + [[one if k == r - 1 else zero for k in range(r)]]
    system = [[at[j][i] * g[i][k] for i in range(n)] for j in range(m) for k in range(r)]
    target = [[one if col == j + k else zero for col in range(n)] for j in range(m) for k in range(r)]
    bt = _solve(system, target)
    return tuple(np.array(x, dtype=float) for x in (bt, g, at))


def wide_enough(kernel: tuple[int, ...], stride: tuple[int, ...], padding: tuple[int, ...], dilation: tuple[int, ...],
                groups: int, channels: tuple[int, int], min_channels: int = MIN_CHANNELS) -> bool:
    """The rule, on a convolution's geometry: 3×3, stride 1, padding 1, no groups or dilation, at
    least `min_channels` in and out (narrower layers lose, see the module's figures)."""
    return (tuple(kernel) == (3, 3) and tuple(stride) == (1, 1) and tuple(padding) in ((1, 1), (1, 1, 1, 1))
            and tuple(dilation) == (1, 1) and groups == 1 and min(channels) >= min_channels)


def qualifies(node, weight_shape: tuple[int, ...] | None, min_channels: int = MIN_CHANNELS) -> bool:
    """`wide_enough` for an ONNX Conv node whose weight is an initializer of `weight_shape`."""
    if node.op_type != "Conv" or weight_shape is None or len(weight_shape) != 4:
        return False
    attrs = {a.name: tuple(a.ints) if a.ints else (a.s or a.i) for a in node.attribute}
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", b""):
        return False
    return wide_enough(weight_shape[2:], attrs.get("strides", (1, 1)), attrs.get("pads", (0, 0, 0, 0)),
                       attrs.get("dilations", (1, 1)), attrs.get("group", 1), weight_shape[:2], min_channels)


def winograd_layers(model: nn.Module, min_channels: int = MIN_CHANNELS) -> list[str]:
    """The names of `model`'s convolutions that `rewrite` turns into Winograd form in its export."""
    return [name for name, m in model.named_modules() if isinstance(m, nn.Conv2d) and not isinstance(m.padding, str)
            and wide_enough(m.kernel_size, m.stride, m.padding, m.dilation, m.groups,
                            (m.in_channels, m.out_channels), min_channels)]


def describe(layers: list[str]) -> str:
    """The rewrite in words, for the runtime path's description ("" where nothing was rewritten)."""
    if not layers:
        return ""
    span = layers[0] if len(layers) == 1 else f"{layers[0]} … {layers[-1]}"
    return f"Winograd F({TILE}, 3) on {span} ({len(layers)} convs)"


def _tile_nodes(node, weight: np.ndarray, bias: np.ndarray | None, m: int) -> tuple[list, list]:
    """The nodes and initializers that compute `node`'s output by F(m, 3)."""
    from onnx import helper, numpy_helper

    bt, g, at = winograd_matrices(m)
    a = m + 2
    out_ch, in_ch = weight.shape[:2]
    x, y = node.input[0], node.output[0]

    def name(part: str) -> str:
        return f"{node.name or y}{NODE_MARK}{part}"

    u = np.einsum("ik,ockl,jl->ijoc", g, weight.astype(np.float64), g).reshape(a * a, out_ch, in_ch)
    b36 = np.einsum("pi,qj->pqij", bt, bt).reshape(a * a, 1, a, a)
    a16 = np.einsum("pi,qj->pqij", at, at).reshape(m * m, a * a)
    consts = {
        "U": u.astype(np.float32), "B": np.tile(b36, (in_ch, 1, 1, 1)).astype(np.float32), "A": a16.astype(np.float32),
        "pads": np.array([0, 0, 1, 1, 0, 0, m, m], np.int64),  # right/bottom m: conv ⌈H/m⌉ tiles
        "split": np.array([in_ch, a * a, -1], np.int64), "stack": np.array([a * a, in_ch, -1], np.int64),
        "flat": np.array([a * a, -1], np.int64), "head": np.array([m, m, out_ch], np.int64),
        "out_ch": np.array([out_ch], np.int64), "m": np.array([m], np.int64), "zeros": np.array([0, 0], np.int64),
        "axes": np.array([2, 3], np.int64), "i0": np.array([0], np.int64), "i1": np.array([1], np.int64),
        "i2": np.array([2], np.int64), "i4": np.array([4], np.int64),
    }
    inits = [numpy_helper.from_array(v, name(k)) for k, v in consts.items()]
    c = {k: name(k) for k in consts}
    nodes = [
        helper.make_node("Pad", [x, c["pads"]], [name("padded")], name=name("pad")),
        helper.make_node("Conv", [name("padded"), c["B"]], [name("tiles")], name=name("input_transform"),
                         group=in_ch, strides=[m, m], kernel_shape=[a, a]),
        # [N, C·a², th, tw] → [a², C, N·th·tw]: one matrix per tile position
        helper.make_node("Shape", [name("tiles")], [name("tiles_shape")], name=name("tiles_shape")),
        helper.make_node("Slice", [name("tiles_shape"), c["i0"], c["i1"]], [name("n")], name=name("n")),
        helper.make_node("Slice", [name("tiles_shape"), c["i2"], c["i4"]], [name("th_tw")], name=name("th_tw")),
        helper.make_node("Concat", [name("n"), c["split"]], [name("split_shape")], name=name("split_shape"), axis=0),
        helper.make_node("Reshape", [name("tiles"), name("split_shape")], [name("v4")], name=name("v4")),
        helper.make_node("Transpose", [name("v4")], [name("v4t")], name=name("v4t"), perm=[2, 1, 0, 3]),
        helper.make_node("Reshape", [name("v4t"), c["stack"]], [name("v")], name=name("v")),
        helper.make_node("MatMul", [c["U"], name("v")], [name("products")], name=name("products")),
        helper.make_node("Reshape", [name("products"), c["flat"]], [name("products_flat")], name=name("products_flat")),
        helper.make_node("MatMul", [c["A"], name("products_flat")], [name("outputs")], name=name("output_transform")),
        # [m·m·O·N·th·tw] → [N, O, th·m, tw·m], then the true H×W
        helper.make_node("Concat", [c["head"], name("n"), name("th_tw")], [name("six_shape")], name=name("six_shape"), axis=0),
        helper.make_node("Reshape", [name("outputs"), name("six_shape")], [name("six")], name=name("six")),
        helper.make_node("Transpose", [name("six")], [name("interleaved")], name=name("interleave"), perm=[3, 2, 4, 0, 5, 1]),
        helper.make_node("Mul", [name("th_tw"), c["m"]], [name("hw_m")], name=name("hw_m")),
        helper.make_node("Concat", [name("n"), c["out_ch"], name("hw_m")], [name("map_shape")], name=name("map_shape"), axis=0),
        helper.make_node("Reshape", [name("interleaved"), name("map_shape")], [name("map")], name=name("map")),
        helper.make_node("Shape", [x], [name("x_shape")], name=name("x_shape")),
        helper.make_node("Slice", [name("x_shape"), c["i2"], c["i4"]], [name("hw")], name=name("hw")),
        helper.make_node("Slice", [name("map"), c["zeros"], name("hw"), c["axes"]], [name("cropped") if bias is not None else y],
                         name=name("crop")),
    ]
    if bias is not None:
        inits.append(numpy_helper.from_array(bias.reshape(1, -1, 1, 1).astype(np.float32), name("bias")))
        nodes.append(helper.make_node("Add", [name("cropped"), name("bias")], [y], name=name("bias_add")))
    return nodes, inits


def rewrite(model, m: int = TILE, min_channels: int = MIN_CHANNELS) -> list[str]:
    """Replace, in place, each qualifying Conv of the ONNX `model` by its F(m, 3) form; returns the
    layers rewritten (also recorded in the model's metadata under METADATA_KEY)."""
    from onnx import numpy_helper

    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    uses = Counter(name for node in graph.node for name in node.input)
    done, nodes = [], []
    for node in graph.node:
        shape = tuple(inits[node.input[1]].dims) if len(node.input) > 1 and node.input[1] in inits else None
        if not qualifies(node, shape, min_channels):  # from the shape alone: no weight is converted to test it
            nodes.append(node)
            continue
        weight = numpy_helper.to_array(inits[node.input[1]])
        bias = numpy_helper.to_array(inits[node.input[2]]) if len(node.input) > 2 and node.input[2] in inits else None
        new_nodes, new_inits = _tile_nodes(node, weight, bias, m)
        nodes.extend(new_nodes)
        graph.initializer.extend(new_inits)
        for name in node.input[1:]:
            if uses.get(name) == 1 and name in inits:
                graph.initializer.remove(inits.pop(name))
        done.append(layer_of(node.input[1]))
    del graph.node[:]
    graph.node.extend(nodes)
    if done:
        model.metadata_props.add(key=METADATA_KEY, value=",".join(done))
    return done


def rewrite_file(path: str | Path, m: int = TILE, min_channels: int = MIN_CHANNELS) -> list[str]:
    """`rewrite` the ONNX file at `path` in place (unchanged where no layer qualifies)."""
    import onnx

    from ...files import write_file

    path = Path(path)
    model = onnx.load(str(path))
    done = rewrite(model, m, min_channels)
    if done:
        write_file(path, lambda tmp: onnx.save(model, tmp), "ONNX model")
        log.info("Winograd F(%d, 3) on %d convolutions of %s", m, len(done), path.name)
    return done
