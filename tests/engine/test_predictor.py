import numpy as np
import pytest
import torch

from fcn_studio import Segmenter, save_model
from fcn_studio.engine import devices
from fcn_studio.engine.devices import cpu_has_native_bf16, resolve_device
from fcn_studio.engine.model_info import TORCHVISION_INPUT, to_input
from fcn_studio.engine.predictor import resolve_precision

from .test_fcn import randomised


def test_predict_returns_labels_scores_and_intermediates_consistently():
    model = randomised("fcn8s", num_classes=5)
    seg = Segmenter(model, device="cpu", precision="fp32")
    rgb = np.random.default_rng(1).integers(0, 256, (27, 35, 3), dtype=np.uint8)
    pred = seg.predict(rgb, scores=True, intermediates=True)
    assert pred.labels.shape == (27, 35) and pred.labels.dtype == np.uint8
    assert pred.scores.shape == (5, 27, 35)
    np.testing.assert_allclose(pred.scores.sum(0), 1.0, rtol=1e-5)
    assert np.array_equal(pred.scores.argmax(0), pred.labels)
    assert pred.intermediates["score_fr"].shape[0] == 5 and pred.intermediates["logits"].shape == (5, 27, 35)
    with torch.no_grad():
        direct = model(to_input(rgb, model.info.input)).argmax(1)[0].numpy()
    assert np.array_equal(direct, pred.labels)
    assert pred.seconds > 0


def test_logits_is_float32_and_matches_the_model():
    model = randomised("fcn16s", num_classes=3)
    seg = Segmenter(model, device="cpu", precision="bf16")
    x = torch.randn(2, 3, 19, 17)
    out = seg.logits(x)
    assert out.dtype == torch.float32 and out.shape == (2, 3, 19, 17)
    with torch.no_grad():
        ref = model(x)
    assert (out.argmax(1) == ref.argmax(1)).float().mean() > 0.9


def test_segmenter_opens_a_model_file(tmp_path):
    path = save_model(randomised("fcn32s", num_classes=4), tmp_path / "m.safetensors")
    seg = Segmenter(path, device="cpu")
    assert seg.info.num_classes == 4 and seg.precision == resolve_precision("auto", torch.device("cpu"))


def test_to_input_applies_torchvision_normalisation():
    rgb = np.full((2, 2, 3), 255, np.uint8)
    x = to_input(rgb, TORCHVISION_INPUT)
    expected = (1 - torch.tensor(TORCHVISION_INPUT.mean)) / torch.tensor(TORCHVISION_INPUT.std)
    torch.testing.assert_close(x[0, :, 0, 0], expected)


@pytest.mark.parametrize("avx512_bf16, amx, expected", [(True, False, "bf16"), (False, True, "bf16"), (False, False, "fp32")])
def test_auto_precision_on_a_cpu_is_bf16_only_where_bf16_is_native(monkeypatch, avx512_bf16, amx, expected):
    monkeypatch.setattr(devices, "cpu_has_native_bf16", cpu_has_native_bf16)  # conftest pins it off
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: avx512_bf16, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx, raising=False)
    assert resolve_precision("auto", torch.device("cpu")) == expected


def test_device_and_precision_resolution():
    cpu = torch.device("cpu")
    assert resolve_device("cpu") == cpu
    assert resolve_precision("bf16", cpu) == "bf16" and resolve_precision("fp32", cpu) == "fp32"
    with pytest.raises(ValueError, match="precision"):
        resolve_precision("int4", cpu)
    if not torch.cuda.is_available():
        assert resolve_device("auto") == cpu
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")
