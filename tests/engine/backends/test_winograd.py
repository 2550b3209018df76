"""Winograd F(4, 3) in the runtimes' graph: the transforms, the ONNX rewrite, which layers it takes."""

import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from fcn_studio.engine import build_model
from fcn_studio.engine.backends import int8, isolated, winograd
from fcn_studio.engine.backends.export import export_onnx
from fcn_studio.engine.backends.runners import OrtRunner

from tests.compact_models import compact_model

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

# Lavin & Gray (2016), F(4×4, 3×3): the published transforms.
LAVIN_BT = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0],
            [0, 4, 0, -5, 0, 1]]
LAVIN_G = [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6],
           [0, 0, 1]]
LAVIN_AT = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]


def test_f4_transforms_are_the_published_ones():
    bt, g, at = winograd.winograd_matrices(4)
    np.testing.assert_array_equal(bt, LAVIN_BT)
    np.testing.assert_allclose(g, LAVIN_G, rtol=1e-15)
    np.testing.assert_array_equal(at, LAVIN_AT)


@pytest.mark.parametrize("m", [2, 4, 6])
def test_the_transforms_compute_a_correlation(m):
    bt, g, at = winograd.winograd_matrices(m)
    rng = np.random.default_rng(m)
    for _ in range(5):
        d, k = rng.standard_normal(m + 2), rng.standard_normal(3)
        direct = [d[j : j + 3] @ k for j in range(m)]
        np.testing.assert_allclose(at @ ((g @ k) * (bt @ d)), direct, atol=1e-12)


def test_the_rule_takes_plain_wide_3x3_convolutions_only():
    plain = {"kernel": (3, 3), "stride": (1, 1), "padding": (1, 1), "dilation": (1, 1), "groups": 1, "channels": (256, 512)}
    assert winograd.wide_enough(**plain)
    for change in ({"kernel": (1, 1)}, {"kernel": (5, 5)}, {"stride": (2, 2)}, {"padding": (0, 0)}, {"dilation": (2, 2)},
                   {"groups": 2}, {"channels": (128, 256)}, {"channels": (512, 255)}):
        assert not winograd.wide_enough(**{**plain, **change}), change


def test_on_the_paper_net_the_rule_takes_conv3_2_to_conv5_3():
    with torch.device("meta"):
        model = build_model("fcn8s", num_classes=21, width=1.0)
    assert winograd.winograd_layers(model) == ["conv3_2", "conv3_3", "conv4_1", "conv4_2", "conv4_3",
                                               "conv5_1", "conv5_2", "conv5_3"]
    assert winograd.describe(winograd.winograd_layers(model)) == "Winograd F(4, 3) on conv3_2 … conv5_3 (8 convs)"
    assert winograd.describe([]) == ""


def one_conv(cin: int, cout: int, bias: bool, seed: int = 0) -> tuple[onnx.ModelProto, np.ndarray]:
    """An ONNX graph: Conv (3×3, pad 1) then Relu, batch, height and width symbolic; both outputs."""
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((cout, cin, 3, 3)) / np.sqrt(9 * cin)).astype(np.float32)
    inits = [numpy_helper.from_array(w, "layer.conv4_1.weight")]
    inputs = ["x", "layer.conv4_1.weight"]
    if bias:
        inits.append(numpy_helper.from_array(rng.standard_normal(cout).astype(np.float32), "layer.conv4_1.bias"))
        inputs.append("layer.conv4_1.bias")
    nodes = [helper.make_node("Conv", inputs, ["conv"], name="conv4_1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["conv"], ["relu"], name="relu")]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", cin, "h", "w"])
    outs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["n", cout, "h", "w"]) for name in ("conv", "relu")]
    graph = helper.make_graph(nodes, "one_conv", [x], outs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), w


@pytest.mark.parametrize("bias", [True, False])
def test_the_rewritten_conv_equals_the_direct_one_at_every_size(tmp_path, bias):
    model, _ = one_conv(12, 10, bias)
    onnx.save(model, tmp_path / "direct.onnx")
    assert winograd.rewrite(model, min_channels=8) == ["conv4_1"]
    assert not any(n.op_type == "Conv" and n.name == "conv4_1" for n in model.graph.node)
    assert "layer.conv4_1.weight" not in {t.name for t in model.graph.initializer}  # replaced by its transform
    assert {p.key: p.value for p in model.metadata_props}[winograd.METADATA_KEY] == "conv4_1"
    onnx.checker.check_model(model)
    onnx.save(model, tmp_path / "winograd.onnx")
    direct, fast = OrtRunner(tmp_path / "direct.onnx"), OrtRunner(tmp_path / "winograd.onnx")
    rng = np.random.default_rng(1)
    for n, h, w in [(1, 1, 1), (1, 5, 7), (2, 13, 9), (1, 16, 16), (1, 33, 30)]:
        x = rng.standard_normal((n, 12, h, w)).astype(np.float32)
        a, b = direct.run(x), fast.run(x)
        for name in ("conv", "relu"):
            assert b[name].shape == a[name].shape == (n, 10, h, w)
            np.testing.assert_allclose(b[name], a[name], atol=2e-5 * np.abs(a[name]).max())


def test_narrow_convolutions_are_left_alone():
    model, _ = one_conv(12, 10, True)
    assert winograd.rewrite(model) == []  # 10 < MIN_CHANNELS
    assert [n.op_type for n in model.graph.node] == ["Conv", "Relu"] and not model.metadata_props


@pytest.fixture(scope="module")
def fcn():
    return compact_model("fcn8s", seed=5).eval()  # width 1/16: conv3 16 channels, conv4/5 32


@pytest.fixture(scope="module")
def exported(fcn, tmp_path_factory):
    return export_onnx(fcn, tmp_path_factory.mktemp("winograd") / "fcn8s.onnx")


def test_an_fcn_rewritten_keeps_its_maps_and_labels_and_int8_keeps_it_float(fcn, exported, tmp_path):
    model = fcn
    plain = OrtRunner(exported)
    onnx_model = onnx.load(str(exported))
    done = winograd.rewrite(onnx_model, min_channels=16)
    assert done == winograd.winograd_layers(model, min_channels=16) == ["conv3_2", "conv3_3", "conv4_1", "conv4_2",
                                                                         "conv4_3", "conv5_1", "conv5_2", "conv5_3"]
    onnx.save(onnx_model, tmp_path / "winograd.onnx")
    fast = OrtRunner(tmp_path / "winograd.onnx")
    x = np.random.default_rng(2).standard_normal((1, 3, 45, 50)).astype(np.float32)
    a, b = plain.run(x), fast.run(x)
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_allclose(b[name], a[name], atol=1e-4 * max(np.abs(a[name]).max(), 1e-6), err_msg=name)
    assert (a["logits"].argmax(1) == b["logits"].argmax(1)).mean() > 0.999
    marked = {n.name for n in onnx_model.graph.node if winograd.NODE_MARK in n.name}
    assert len(marked) >= 8 * 20 and marked <= set(int8.float_nodes(tmp_path / "winograd.onnx"))


def test_the_runtimes_export_asks_for_winograd_and_names_it(fcn, exported, monkeypatch, tmp_path):
    from fcn_studio.engine import backends

    monkeypatch.setenv(backends.cache.CACHE_ENV, str(tmp_path))
    asked = []

    def export(model, path, **kw):
        asked.append(kw)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(exported, path)

    monkeypatch.setattr(backends, "export_isolated", export)
    monkeypatch.setattr(backends, "winograd_layers", lambda m: ["conv4_2", "conv5_3"])
    runtime = backends.build_runtime(fcn, "onnxruntime", int8=False)
    assert asked == [{"winograd": True}]
    assert runtime.path == "onnxruntime fp32, Winograd F(4, 3) on conv4_2 … conv5_3 (2 convs)"


def test_the_export_child_rewrites_when_asked(monkeypatch, tmp_path):
    from fcn_studio.engine.weights import save_model

    weights = save_model(compact_model("fcn32s", seed=1), tmp_path / "m.safetensors")
    rewritten = []
    monkeypatch.setattr(isolated, "export_onnx", lambda model, out, opset: Path(out).write_bytes(b"graph"))
    monkeypatch.setattr(isolated, "rewrite_file", rewritten.append)
    assert isolated.main([str(weights), str(tmp_path / "a.onnx"), "18"]) == 0 and rewritten == []
    assert isolated.main([str(weights), str(tmp_path / "b.onnx"), "18", "--winograd"]) == 0
    assert rewritten == [str(tmp_path / "b.onnx")] and (tmp_path / "b.onnx").is_file()


def test_rewrite_file_replaces_the_file_only_where_a_layer_qualifies(tmp_path):
    model, _ = one_conv(12, 10, True)
    onnx.save(model, tmp_path / "m.onnx")
    before = (tmp_path / "m.onnx").read_bytes()
    assert winograd.rewrite_file(tmp_path / "m.onnx") == [] and (tmp_path / "m.onnx").read_bytes() == before
    assert winograd.rewrite_file(tmp_path / "m.onnx", min_channels=8) == ["conv4_1"]
    rewritten = onnx.load(str(tmp_path / "m.onnx"))
    assert any(winograd.NODE_MARK in n.name for n in rewritten.graph.node)
    assert (tmp_path / "m.onnx").stat().st_mode & 0o044  # an ordinary file's permissions, not mkstemp's 0600
