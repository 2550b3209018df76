"""PyTorch as a measured path: fp32 the plain forward, reduced precision the runtimes' faster graph."""

import numpy as np
import torch

from fcn_studio.engine.backends.torch_path import TorchRunner, inference_copy
from fcn_studio.engine.bilinear import PhaseUpsampling
from fcn_studio.engine.padding import TrimmedFCN

from tests.compact_models import compact_model

CPU = torch.device("cpu")


def test_fp32_is_the_model_itself_and_bf16_a_trimmed_per_phase_copy():
    model = compact_model("fcn16s", seed=2).eval()
    same, net = inference_copy(model, CPU, torch.float32)
    assert same is model and net is model
    copy, fast = inference_copy(model, CPU, torch.bfloat16)
    assert isinstance(fast, TrimmedFCN) and isinstance(copy.upscore16, PhaseUpsampling)  # FCN-16s's slow bf16 layer
    assert isinstance(model.upscore16, torch.nn.ConvTranspose2d) and copy.score_fr.weight.dtype == torch.bfloat16
    x = torch.randn(1, 3, 45, 38, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref = model(x)
        out = fast(x.to(torch.bfloat16)).float()
    assert out.shape == ref.shape and (out.argmax(1) == ref.argmax(1)).float().mean() > 0.97


def test_the_torch_runner_gives_named_maps_as_arrays():
    model = compact_model("fcn8s", seed=1).eval()
    x = np.random.default_rng(0).standard_normal((1, 3, 36, 40), dtype=np.float32)
    plain = TorchRunner(model, "fp32")
    with torch.no_grad():
        ref = model.intermediates(torch.from_numpy(x))
    assert list(plain.run(x)) == list(ref)
    np.testing.assert_array_equal(plain.run(x, ["logits"])["logits"], ref["logits"].numpy())  # bit for bit
    assert list(TorchRunner(model, "bf16").run(x, ["logits"])) == ["logits"]
