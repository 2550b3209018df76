"""OpenVINO's runner (the `[openvino]` extra): named maps, and a model of its own for a size met often."""

import numpy as np
import pytest

pytest.importorskip("openvino", reason="OpenVINO is the [openvino] extra, not installed here")

from fcn_studio.engine.backends.export import export_onnx  # noqa: E402
from fcn_studio.engine.backends.runners import OpenVinoRunner, OrtRunner  # noqa: E402

from tests.compact_models import compact_model  # noqa: E402


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    return export_onnx(compact_model("fcn8s", seed=3), tmp_path_factory.mktemp("ov") / "fcn8s.onnx")


def test_openvino_gives_the_maps_asked_for_as_onnx_runtime_does(exported):
    x = np.random.default_rng(0).standard_normal((1, 3, 40, 48), dtype=np.float32)
    ov, ort = OpenVinoRunner(exported).run(x), OrtRunner(exported).run(x)
    assert list(ov) == list(ort) and list(ov)[0] == "logits"
    for name in ort:
        np.testing.assert_allclose(ov[name], ort[name], rtol=1e-4, atol=1e-4)
    only = OpenVinoRunner(exported).run(x, ["logits"])
    assert list(only) == ["logits"] and np.array_equal(only["logits"], ov["logits"])


def test_a_size_met_often_gets_a_static_model_that_gives_the_same_maps(exported):
    runner = OpenVinoRunner(exported)
    rng = np.random.default_rng(1)
    x, other = rng.standard_normal((1, 3, 40, 40), dtype=np.float32), rng.standard_normal((1, 3, 56, 32), dtype=np.float32)
    dynamic = [runner.run(x)["logits"] for _ in range(OpenVinoRunner.STATIC_AFTER - 1)]
    assert runner._static is None
    static = runner.run(x)["logits"]
    assert runner._static is not None and runner._static[0] == (1, 3, 40, 40)
    np.testing.assert_allclose(static, dynamic[0], rtol=1e-5, atol=1e-5)
    assert runner.run(other)["logits"].shape == (1, runner.run(x)["logits"].shape[1], 56, 32)  # other sizes: dynamic
    assert runner._static[0] == (1, 3, 40, 40)  # a size met once does not replace it
    for _ in range(OpenVinoRunner.STATIC_AFTER):
        runner.run(other)
    assert runner._static[0] == (1, 3, 56, 32)  # only the latest size met often is kept
