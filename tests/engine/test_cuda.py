"""On a CUDA GPU: the same labels as the CPU, reduced precision that agrees, out of memory → tiles.

The project is developed on CPUs; these run only where CUDA is present (skipped elsewhere, saying
so), e.g. on a lent GPU machine before a release.
"""

import numpy as np
import pytest
import torch

from fcn_studio import Segmenter

from ..compact_models import compact_model

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU; this machine has none")


def rgb(h, w, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("arch", ["fcn32s", "fcn16s", "fcn8s"])
def test_fp32_forward_on_the_gpu_equals_the_cpus(arch):
    model = compact_model(arch, seed=5).eval()
    image = rgb(97, 130)
    cpu = Segmenter(model, device="cpu", precision="fp32", backend="torch").predict(image, scores=True)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False  # exact fp32 convolutions
    gpu = Segmenter(compact_model(arch, seed=5).eval(), device="cuda", precision="fp32", backend="torch").predict(image, scores=True)
    np.testing.assert_allclose(gpu.scores, cpu.scores, atol=1e-4)
    assert (gpu.labels == cpu.labels).mean() > 0.999 and gpu.path == "torch fp32"


@pytest.mark.parametrize("precision", ["bf16", "fp16", "auto"])
def test_reduced_precision_on_the_gpu_keeps_the_fp32_labels(precision):
    model = compact_model("fcn8s", seed=6).eval()
    image = rgb(160, 160, seed=1)
    ref = Segmenter(model, device="cuda", precision="fp32", backend="torch").predict(image).labels
    seg = Segmenter(compact_model("fcn8s", seed=6).eval(), device="cuda", precision=precision)
    assert seg.precision in ("bf16", "fp16") and seg.backend == "torch"  # auto: reduced precision on CUDA
    assert (seg.predict(image).labels == ref).mean() > 0.99


def test_out_of_memory_on_the_gpu_falls_back_to_tiles_with_the_same_labels(monkeypatch):
    seg = Segmenter(compact_model("fcn8s"), device="cuda", precision="fp32", backend="torch")
    image = rgb(900, 900, seed=2)
    expected = seg.predict(image).labels
    real = torch.nn.Conv2d.forward

    def forward(self, x):  # the whole image's first convolution runs out of memory, tiles do not
        if x.shape[1] == 3 and x.shape[-1] * x.shape[-2] > 800 * 800:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real(self, x)

    monkeypatch.setattr(torch.nn.Conv2d, "forward", forward)
    pred = seg.predict(image)
    assert pred.tiled and pred.note.startswith("out of memory on cuda")
    np.testing.assert_array_equal(pred.labels, expected)
