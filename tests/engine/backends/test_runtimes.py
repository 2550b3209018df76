"""The runtime backends behind Segmenter: ONNX export, ONNX Runtime, the cache, the int8 gate.

Compact widths and small images; one export per module (the exporter takes seconds), shared
through the session's cache directory (tests/conftest.py points $FCN_STUDIO_CACHE at it).
"""

import sys

import numpy as np
import onnx
import pytest
import torch

from fcn_studio import Segmenter
from fcn_studio.engine import backends, build_model
from fcn_studio.engine.backends import ExportError, build_runtime, cache, int8
from fcn_studio.engine.backends.export import export_onnx
from fcn_studio.engine.backends.runners import OrtRunner
from fcn_studio.engine.model_info import to_input
from fcn_studio.data.synthetic.own_scenes import own_scenes

from tests.compact_models import compact_model

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile


@pytest.fixture(scope="module")
def model():
    return compact_model("fcn8s", seed=3).eval()


@pytest.fixture(scope="module")
def exported(model, tmp_path_factory):
    return export_onnx(model, tmp_path_factory.mktemp("export") / "fcn8s.onnx")


def rgb(h, w, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_export_is_opset_17_plus_with_symbolic_height_and_width(exported, model):
    graph = onnx.load(str(exported))
    assert max(o.version for o in graph.opset_import if o.domain in ("", "ai.onnx")) >= 17
    dims = [d.dim_param or d.dim_value for d in graph.graph.input[0].type.tensor_type.shape.dim]
    assert dims[1] == 3 and all(isinstance(d, str) and d for d in (dims[2], dims[3]))
    forward = list(model.intermediates(torch.zeros(1, 3, 40, 40)))  # coarse to fine, logits last
    assert [o.name for o in graph.graph.output] == ["logits", *forward[:-1]]  # logits is output 0
    assert any(p.key == "fcn_studio" and '"fcn8s"' in p.value for p in graph.metadata_props)


@pytest.mark.parametrize("size", [(40, 56), (67, 93)])
def test_onnx_runtime_gives_every_map_of_the_pytorch_forward(exported, model, size):
    """Crops (start-aligned slices) and deconvolutions come out as in PyTorch at any H×W."""
    x = torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(size[0]))
    with torch.no_grad():
        ref = model.intermediates(x)
    out = OrtRunner(exported).run(x.numpy())
    assert list(out) == ["logits"] + [n for n in ref if n != "logits"]  # the graph's order: logits, then the forward's
    for name, value in ref.items():
        assert out[name].shape == tuple(value.shape), name
        np.testing.assert_allclose(out[name], value.numpy(), atol=2e-4, rtol=1e-4, err_msg=name)
    assert (out["logits"].argmax(1) == ref["logits"].argmax(1).numpy()).mean() > 0.999


@pytest.mark.parametrize("size", [(1, 1), (7, 9), (33, 47), (45, 50)])
def test_the_exported_graph_is_the_trimmed_pass_and_gives_the_plain_maps(exported, model, size):
    """conv1_1 pads 8 in the graph (engine/padding.py), and its maps are the plain forward's
    within 1e-5 of each map's scale at odd sizes: the slices and concatenations follow H×W, and
    height and width stay free (45 and 50 are sizes a graph specialised to multiples of 32 got wrong)."""
    graph = onnx.load(str(exported)).graph
    assert [d.dim_param for d in graph.input[0].type.tensor_type.shape.dim][2:] == ["height", "width"]
    weights = {init.name for init in graph.initializer if init.name.endswith("conv1_1.weight")}
    first = [n for n in graph.node if n.op_type == "Conv" and n.input[1] in weights]
    assert len(first) == 1 and list(next(a for a in first[0].attribute if a.name == "pads").ints) == [8, 8, 8, 8]
    assert sum(n.op_type == "Concat" for n in graph.node) >= 6  # three resizes, two axes each
    x = torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(size[1]))
    with torch.no_grad():
        ref = model.intermediates(x)
    out = OrtRunner(exported).run(x.numpy())
    for name, value in ref.items():
        assert out[name].shape == tuple(value.shape), name
        assert np.abs(out[name] - value.numpy()).max() <= 1e-5 * np.abs(value.numpy()).max(), name
    assert (out["logits"].argmax(1) == ref["logits"].argmax(1).numpy()).all()


def test_upsamplings_that_keep_classes_apart_are_exported_per_class(exported, model, tmp_path):
    """The final (fixed) upsampling and the untrained 2× ones become a convolution per output phase
    and a pixel shuffle (engine/bilinear.py); a trained 2× layer that mixes classes stays a
    ConvTranspose. The maps are checked against PyTorch in the tests above."""
    ops = [n.op_type for n in onnx.load(str(exported)).graph.node]
    assert "ConvTranspose" not in ops and ops.count("DepthToSpace") == 3  # upscore2, upscore_pool4, upscore8
    mixing = compact_model("fcn8s", seed=3).eval()
    with torch.no_grad():
        mixing.upscore2.weight[0, 1] += 0.01
    graph = onnx.load(str(export_onnx(mixing, tmp_path / "mixing.onnx"))).graph
    assert [n.op_type for n in graph.node].count("ConvTranspose") == 1 and [n.op_type for n in graph.node].count("DepthToSpace") == 2
    x = torch.randn(1, 3, 37, 41, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        ref = mixing(x)
    out = OrtRunner(tmp_path / "mixing.onnx").run(x.numpy(), ["logits"])["logits"]
    assert np.abs(out - ref.numpy()).max() <= 1e-5 * np.abs(ref.numpy()).max()
    assert mixing.upscore8.__class__.__name__ == "ConvTranspose2d"  # the caller's model is left as it was


def test_int8_keeps_the_head_float_by_layer_name(exported):
    """Exported weights are named "model.model.score_fr.weight": the head's layers are found by
    their own name (a prefix test on the whole name once let every score layer be quantized)."""
    graph = onnx.load(str(exported)).graph
    kept = set(int8.float_nodes(exported))
    convs = {n.name: int8.layer_of(n.input[1]) for n in graph.node if n.op_type == "Conv"}
    float_convs = {layer for name, layer in convs.items() if name in kept}
    # The first block, the three score layers and the three per-class upsamplings (two identical
    # bilinear 2× kernels may share one weight in the graph); the rest of the trunk is quantized.
    assert {"conv1_1", "conv1_2", "score_fr", "score_pool4", "score_pool3", "upscore8"} <= float_convs <= {
        "conv1_1", "conv1_2", "score_fr", "score_pool4", "score_pool3", "upscore2", "upscore_pool4", "upscore8"}
    assert sum(name in kept for name in convs) == 8 and {"conv2_1", "conv5_3", "fc6", "fc7"} <= set(convs.values()) - float_convs
    assert {n.name for n in graph.node if n.op_type in ("Add", "DepthToSpace")} <= kept
    # The final upsampling's window is padded and sliced on the fused score map: no uint8 step there.
    last = next(n for n in graph.node if n.op_type == "Conv" and convs[n.name] == "upscore8")
    made = {o: n for n in graph.node for o in n.output}
    feeding, node = [], made[last.input[0]]
    while node.op_type in int8.PASS_THROUGH:
        feeding.append(node.name)
        node = made[node.input[0]]
    assert feeding and set(feeding) <= kept and node.op_type == "Add"
    assert int8.layer_of("model.model.score_fr.weight") == "score_fr" and int8.layer_of("w") == "w"


def test_the_export_key_names_the_trimmed_graph(model, monkeypatch):
    key = cache.weights_key(model, 18)
    monkeypatch.setattr(cache, "padding_plan", lambda m: None)  # as if the graph were the plain trunk
    assert cache.weights_key(model, 18) != key


def test_segmenter_on_onnx_runtime_matches_pytorch_with_intermediates(model):
    rt = Segmenter(model, device="cpu", precision="fp32", backend="onnxruntime")
    pt = Segmenter(model, device="cpu", precision="fp32", backend="torch")
    assert rt.path == "onnxruntime (not prepared yet)" and rt.prepare() == "onnxruntime fp32"
    image = rgb(45, 61)
    a, b = rt.predict(image, scores=True, intermediates=True), pt.predict(image, scores=True, intermediates=True)
    assert (a.path, b.path) == ("onnxruntime fp32", "torch fp32")
    assert (a.labels == b.labels).mean() > 0.999 and a.geometry == b.geometry
    assert list(a.intermediates) == list(b.intermediates)
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-4)
    x = to_input(image, model.info.input)
    torch.testing.assert_close(rt.logits(x), pt.logits(x), atol=2e-4, rtol=1e-4)


def test_tiles_run_through_the_runtime_too(model, monkeypatch):
    seg = Segmenter(model, device="cpu", precision="fp32", backend="onnxruntime")
    ref = Segmenter(model, device="cpu", precision="fp32", backend="torch")
    for s in (seg, ref):
        s.max_pixels = 50 * 50
    big = rgb(90, 110, seed=2)
    a, b = seg.predict(big), ref.predict(big)
    assert a.tiled and b.tiled and a.path == "onnxruntime fp32" and (a.labels == b.labels).mean() > 0.999


def test_the_export_is_cached_by_the_weights_hash(model, monkeypatch):
    Segmenter(model, device="cpu", precision="fp32", backend="onnxruntime").prepare()  # the module's model: cached
    calls = []
    monkeypatch.setattr(backends, "export_isolated", lambda m, p, **_: calls.append(p) or export_onnx(m, p))
    assert Segmenter(model, device="cpu", precision="fp32", backend="onnxruntime").prepare() == "onnxruntime fp32"
    assert calls == []  # hit: same weights
    changed = compact_model("fcn8s", seed=3)
    with torch.no_grad():
        changed.score_fr.bias[0] += 1
    assert cache.weights_key(changed, 18) != cache.weights_key(model, 18)
    Segmenter(changed, device="cpu", precision="fp32", backend="onnxruntime").prepare()
    assert len(calls) == 1 and calls[0].name == f"{cache.weights_key(changed, 18)}.onnx"  # miss: exported


def test_weights_key_ignores_layout_and_the_cache_dir_follows_the_environment(model, monkeypatch, tmp_path):
    layout = build_model("fcn32s", num_classes=3, width=0.0625)
    key = cache.weights_key(layout, 18)
    assert cache.weights_key(layout.to(memory_format=torch.channels_last), 18) == key != cache.weights_key(layout, 17)
    monkeypatch.delenv(cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "fcn-studio"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "fcn-studio"


def calibration(model, n=4):
    images = [rgb(48, 48, seed=10 + i) for i in range(n)]
    held = [rgb(48, 48, seed=50 + i) for i in range(n)]
    return backends.calibration.from_rgb("random test images", images, held, model)


def test_the_agreement_gate_refuses_int8_below_the_bar_and_says_so(model, monkeypatch):
    monkeypatch.setattr(int8, "AGREEMENT_BAR", 1.01)  # no int8 model can reach 101 %
    seg = Segmenter(model, device="cpu", precision="auto", backend="onnxruntime", calibration=calibration(model))
    path = seg.prepare()
    assert path.startswith("onnxruntime fp32; int8 refused (") and "below the 101.0 % bar" in path
    assert seg.predict(rgb(40, 40)).path == path


def test_int8_is_used_where_it_passes_the_gate(model, monkeypatch, tmp_path):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))  # a fresh verdict, not the refusal above
    monkeypatch.setattr(int8, "AGREEMENT_BAR", 0.0)
    monkeypatch.setattr(int8, "MIN_SPEEDUP", 0.0)
    seg = Segmenter(model, device="cpu", precision="auto", backend="onnxruntime", calibration=calibration(model))
    assert seg.prepare().startswith("onnxruntime int8: ")
    verdict = seg._runtime.verdict
    assert verdict.images == 4 and 0.5 < verdict.agreement <= 1 and verdict.worst <= verdict.agreement
    record = cache.read_json(next(tmp_path.glob("onnx/*.int8.json")))
    assert record["source"] == "random test images" and record["agreement"] == verdict.agreement
    assert record["quantizer"] == int8.QUANTIZER  # a verdict of an older rule is not reused
    pred = seg.predict(rgb(48, 48, seed=50), intermediates=True)
    assert pred.path.startswith("onnxruntime int8") and "logits" in pred.intermediates
    # precision fp32 is the one flag back to float32 arithmetic
    assert Segmenter(model, device="cpu", precision="fp32", backend="onnxruntime").prepare() == "onnxruntime fp32"


def test_a_verdict_of_an_older_quantizer_is_not_reused(monkeypatch, tmp_path):
    fp32_path = tmp_path / "m.onnx"
    (tmp_path / "m.int8.onnx").write_bytes(b"old int8 model")
    old = {"agreement": 0.999, "worst": 0.99, "images": 2, "fp32_seconds": 1.0, "int8_seconds": 0.5, "source": "scenes"}
    cache.write_json(tmp_path / "m.int8.json", old)  # no "quantizer": made by the rule before the first block stayed float
    made = []
    monkeypatch.setattr(int8, "quantize", lambda *a: made.append(a[1]))
    monkeypatch.setattr(int8, "RUNNERS", {"onnxruntime": lambda path: object()})
    fresh = int8.Verdict(agreement=0.2, worst=0.1, images=2, fp32_seconds=1.0, int8_seconds=0.5, source="scenes")
    monkeypatch.setattr(int8, "measure", lambda *a: fresh)
    [(name, runner, verdict)] = int8.gated_int8(fp32_path, None, [], [], "scenes", "image")
    assert made == [tmp_path / "m.int8.onnx"] and verdict is fresh and runner is None and name == "onnxruntime"
    assert cache.read_json(tmp_path / "m.int8.json")["quantizer"] == int8.QUANTIZER
    made.clear()
    assert int8.gated_int8(fp32_path, None, [], [], "scenes", "image")[0][2] == fresh and made == []  # now reused


def test_one_int8_model_serves_every_runtime_and_each_gets_its_own_verdict(monkeypatch, tmp_path):
    fp32_path = tmp_path / "m.onnx"
    made, measured = [], []
    monkeypatch.setattr(int8, "quantize", lambda *a: made.append(a[1]) or a[1].write_bytes(b"int8 model"))

    class Fake:
        def __init__(self, tag):
            self.tag = tag

        def run(self, x, names):
            return {"logits": self.tag}

        def __eq__(self, other):
            return other == self.tag

    monkeypatch.setattr(int8, "RUNNERS", {"onnxruntime": lambda path: Fake("ort"), "openvino": lambda path: Fake("ov")})
    verdicts = {"ort": int8.Verdict(agreement=0.999, worst=0.99, images=2, fp32_seconds=1.0, int8_seconds=0.5, source="s"),
                "ov": int8.Verdict(agreement=0.2, worst=0.1, images=2, fp32_seconds=1.0, int8_seconds=0.5, source="s")}

    def measure(fp32, run, held_out, source):
        measured.append(run(None))  # which runtime's int8 model is being measured
        return verdicts[measured[-1]]

    monkeypatch.setattr(int8, "measure", measure)
    gates = int8.gated_int8(fp32_path, None, [], [], "s", "image", ("onnxruntime", "openvino"))
    assert made == [tmp_path / "m.int8.onnx"] and measured == ["ort", "ov"]  # quantized once, measured in each
    assert [(n, r) for n, r, _ in gates] == [("onnxruntime", "ort"), ("openvino", None)]
    assert (tmp_path / "m.int8.json").is_file() and (tmp_path / "m.int8.openvino.json").is_file()
    (tmp_path / "m.int8.openvino.json").unlink()  # one verdict missing: the file on disk is still vouched for
    measured.clear()
    int8.gated_int8(fp32_path, None, [], [], "s", "image", ("onnxruntime", "openvino"))
    assert made == [tmp_path / "m.int8.onnx"] and measured == ["ov"]  # not quantized again; ORT's verdict reused


def test_verdict_needs_both_agreement_and_speed():
    fast = int8.Verdict(agreement=0.997, worst=0.99, images=20, fp32_seconds=1.0, int8_seconds=0.5)
    assert fast.passed and "int8: 99.70 %" in fast.describe() and "2.00× fp32" in fast.describe()
    slow = int8.Verdict(agreement=0.997, worst=0.99, images=20, fp32_seconds=1.0, int8_seconds=1.0)
    assert not slow.passed and "only 1.00× fp32" in slow.describe()
    wrong = int8.Verdict(agreement=0.99, worst=0.97, images=20, fp32_seconds=1.0, int8_seconds=0.3)
    assert not wrong.passed and "below the 99.5 % bar" in wrong.describe()


def test_models_without_their_own_images_get_no_int8(model):
    assert own_scenes(build_model("fcn8s", width=0.0625)) is None
    assert own_scenes(model) is None  # its notes record no scene set: not the synthetic scenes


def test_runtime_keeps_only_logits_when_intermediates_are_not_asked(model):
    runtime = build_runtime(model, "onnxruntime", int8=False)
    maps = runtime.maps(torch.randn(1, 3, 36, 44), intermediates=False)
    assert list(maps) == ["logits"] and maps["logits"].shape == (1, 4, 36, 44)
    both = runtime.maps(torch.randn(2, 3, 36, 44), intermediates=False)  # the batch is dynamic too
    assert both["logits"].shape == (2, 4, 36, 44)


def test_a_model_the_exporter_rejects_falls_back_to_pytorch(model, monkeypatch, tmp_path, caplog):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))

    def refuse(m, p, **_):
        raise backends.ExportError(p, "not exportable")

    monkeypatch.setattr(backends, "export_isolated", refuse)
    seg = Segmenter(model, device="cpu", precision="fp32", backend="onnxruntime")
    assert seg.prepare() == "torch fp32" and "not exportable" in caplog.text
    assert seg.predict(rgb(40, 40)).path == "torch fp32"


def test_pytorch_serves_while_the_runtime_is_prepared_in_the_background(model, monkeypatch):
    import threading

    release = threading.Event()
    real = backends.build_runtime

    def slow(*args, **kwargs):
        release.wait(10)
        return real(*args, **kwargs)

    from fcn_studio.engine import predictor

    monkeypatch.setattr(predictor, "build_runtime", slow)
    seg = Segmenter(model, device="cpu", precision="fp32", backend="onnxruntime")
    seg.prepare_in_background()
    assert seg.predict(rgb(40, 40)).path == "torch fp32"  # not ready: PyTorch, no waiting
    release.set()
    seg._preparing.join(300)  # an uncached export takes tens of seconds on a busy machine
    assert seg.predict(rgb(40, 40)).path == "onnxruntime fp32"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux keeps a nice value per thread")
def test_preparing_in_the_background_runs_below_the_window(model, monkeypatch):
    """The export and the runtime's thread pool start on the preparing thread and inherit its priority."""
    from fcn_studio.engine import predictor
    from fcn_studio.threads import BACKGROUND_NICE, thread_priority

    seen = []

    def record(*args, **kwargs):
        seen.append(thread_priority())
        raise ExportError("model.onnx", "not this time (test)")

    monkeypatch.setattr(predictor, "build_runtime", record)
    seg = Segmenter(model, device="cpu", precision="fp32", backend="onnxruntime")
    own = thread_priority()
    seg.prepare_in_background()
    seg._preparing.join(60)
    assert seen == [max(own, BACKGROUND_NICE)] and thread_priority() == own and seg.path == "torch fp32"


def test_segmenters_prepared_at_once_all_get_their_runtime(model, monkeypatch, tmp_path):
    """The app prepares each head on its own thread; two concurrent torch.export calls both fail,
    which used to leave every head on PyTorch for the whole session."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))
    segs = [Segmenter(compact_model(arch, seed=4).eval(), device="cpu", precision="fp32", backend="onnxruntime")
            for arch in ("fcn32s", "fcn8s")]
    for seg in segs:
        seg.prepare_in_background()
    for seg in segs:
        seg._preparing.join(300)
    assert [seg.path for seg in segs] == ["onnxruntime fp32", "onnxruntime fp32"]


def test_the_runtimes_export_runs_in_a_child_process_and_gives_the_same_graph(model, exported, tmp_path, monkeypatch):
    """torch.export's state is process-wide (a training step on another thread failed inside
    torch.fx while the app exported): the runtimes export in a child, with the same result."""
    import os

    from fcn_studio.engine.backends import isolated

    def not_here(*_):
        raise AssertionError("exported in the parent process")

    monkeypatch.setattr(isolated, "export_onnx", not_here)  # the child has its own, unpatched
    out = isolated.export_isolated(model, tmp_path / "child.onnx")
    x = to_input(rgb(45, 50), model.info.input, "cpu").numpy()
    np.testing.assert_array_equal(OrtRunner(out).run(x, ["logits"])["logits"], OrtRunner(exported).run(x, ["logits"])["logits"])
    assert os.stat(out).st_size == os.stat(exported).st_size


def test_a_failed_child_export_is_one_line_naming_the_file(model, tmp_path, monkeypatch):
    from fcn_studio.engine.backends import isolated

    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # the child still finds the package (PACKAGE_ROOT first)
    target = tmp_path / "no such folder" / "x.onnx"
    (tmp_path / "no such folder").write_text("a file, not a folder")
    with pytest.raises(backends.ExportError) as err:
        isolated.export_isolated(model, target)
    assert err.value.path == str(target) and "\n" not in err.value.reason and err.value.reason
