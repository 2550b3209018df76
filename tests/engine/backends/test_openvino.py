"""OpenVINO (the optional [openvino] extra): same maps as PyTorch; skipped where not installed."""

import numpy as np
import pytest
import torch

from fcn_studio import Segmenter

from tests.compact_models import compact_model

pytestmark = pytest.mark.slow  # `make check` leaves these out: see the Makefile

pytest.importorskip("openvino", reason="the [openvino] extra is not installed")


def test_openvino_gives_every_map_of_the_pytorch_forward_at_two_sizes():
    model = compact_model("fcn16s", seed=4).eval()
    seg = Segmenter(model, device="cpu", precision="fp32", backend="openvino")
    assert seg.prepare() == "openvino fp32"
    for size in ((40, 56), (71, 50)):
        x = torch.randn(1, 3, *size, generator=torch.Generator().manual_seed(size[1]))
        with torch.no_grad():
            ref = model.intermediates(x)
        out = seg._runtime.maps(x, intermediates=True)
        assert list(out) == list(ref)
        for name in ref:
            np.testing.assert_allclose(out[name].numpy(), ref[name].numpy(), atol=2e-4, rtol=1e-4, err_msg=name)
