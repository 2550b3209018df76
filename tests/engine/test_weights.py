import json
import os
import pickle
import stat

import pytest

from fcn_studio.engine.model_info import to_input
import torch

from fcn_studio import Segmenter, build_model, load_model, open_model, save_model
from fcn_studio.engine import CAFFE_INPUT, ModelInfo, WeightFileError, read_info
from fcn_studio.engine.reference_weights import import_caffemodel, import_pytorch_fcn
from fcn_studio.engine.weights import METADATA_KEY

from .caffe_writer import caffemodel_from_state
from .test_fcn import randomised


def test_save_load_round_trip_keeps_tensors_and_metadata(tmp_path):
    model = randomised("fcn16s")
    model.info.metrics = {"mean_iu": 0.5}
    model.info.recipe = {"name": "paper", "lr": 1e-4}
    path = save_model(model, tmp_path / "m.safetensors")
    loaded = load_model(path)
    assert loaded.arch == "fcn16s" and loaded.info == model.info
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)
    assert not loaded.training


def test_fp16_storage_halves_the_file_and_loads_as_float32(tmp_path):
    model = randomised("fcn8s")
    full = save_model(model, tmp_path / "full.safetensors")
    half = save_model(model, tmp_path / "half.safetensors", dtype=torch.float16)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    loaded = load_model(half)
    assert all(v.dtype == torch.float32 for v in loaded.state_dict().values())
    torch.testing.assert_close(loaded.conv1_1.weight, model.conv1_1.weight, rtol=1e-3, atol=1e-3)


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    save_model(randomised("fcn32s"), tmp_path / "m.safetensors")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]


def test_saved_models_get_the_usual_file_mode_not_the_temp_files_0600(tmp_path):
    old = os.umask(0o022)
    try:
        save_model(randomised("fcn32s"), tmp_path / "m.safetensors")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "m.safetensors").stat().st_mode) == 0o644


def test_read_info_errors_name_the_file(tmp_path):
    bad = tmp_path / "garbage.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    with pytest.raises(WeightFileError, match="garbage.safetensors"):
        read_info(bad)
    with pytest.raises(WeightFileError, match="no such file"):
        read_info(tmp_path / "absent.safetensors")
    from safetensors.torch import save_file

    plain = tmp_path / "plain.safetensors"
    save_file({"x": torch.zeros(2)}, plain)
    with pytest.raises(WeightFileError, match="without fcn-studio metadata"):
        load_model(plain)


def test_wrong_class_count_in_metadata_is_refused(tmp_path):
    model = randomised("fcn32s", num_classes=5)
    path = save_model(model, tmp_path / "m.safetensors")
    from safetensors.torch import load_file, save_file

    meta = model.info.to_json()
    meta.update(num_classes=7, class_names=[], palette=[])
    save_file(load_file(path), path, metadata={METADATA_KEY: json.dumps(meta)})
    with pytest.raises(WeightFileError, match="score_fr"):
        load_model(path)


class PTFStyleFCN8s(torch.nn.Module):
    """Attribute layout of torchfcn.models.FCN8s (names only; shapes from our width-0.0625 net)."""

    def __init__(self, shapes):
        super().__init__()
        for key, shape in shapes.items():
            name, kind = key.rsplit(".", 1)
            if not hasattr(self, name):
                setattr(self, name, torch.nn.Module())
            getattr(self, name).register_parameter(kind, torch.nn.Parameter(torch.randn(shape)))


def test_pytorch_fcn_state_dict_loads_strict_and_predicts_identically(tmp_path):
    ours = randomised("fcn8s", num_classes=21)
    ptf = PTFStyleFCN8s({k: v.shape for k, v in ours.state_dict().items()})
    path = tmp_path / "fcn8s_from_caffe.pth"
    torch.save(ptf.state_dict(), path)
    imported = import_pytorch_fcn(path)
    assert imported.arch == "fcn8s" and imported.info.input == CAFFE_INPUT
    fresh = build_model("fcn8s", num_classes=21, width=0.0625)
    fresh.load_state_dict(ptf.state_dict(), strict=True)
    x = torch.randn(1, 3, 29, 31)
    with torch.no_grad():
        torch.testing.assert_close(imported(x), fresh.eval()(x))


def test_pytorch_fcn_trainer_checkpoint_and_atonce_name(tmp_path):
    ours = randomised("fcn8s-atonce")
    path = tmp_path / "fcn8s-atonce_checkpoint.pth.tar"
    torch.save({"epoch": 3, "iteration": 10, "arch": "FCN8sAtOnce", "model_state_dict": ours.state_dict(),
                "best_mean_iu": 0.6}, path)
    assert open_model(path).arch == "fcn8s-atonce"
    assert import_pytorch_fcn(path, arch="fcn8s").arch == "fcn8s"


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_and_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    with open(path, "wb") as f:
        pickle.dump({"conv1_1.weight": Evil(marker)}, f)
    torch.save({"conv1_1.weight": Evil(marker)}, tmp_path / "evil_zip.pth")
    for p in (path, tmp_path / "evil_zip.pth"):
        with pytest.raises(WeightFileError, match="refused"):
            import_pytorch_fcn(p)
    assert not marker.exists()


def test_non_fcn_state_dict_is_refused(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"linear.weight": torch.zeros(2, 2)}, path)
    with pytest.raises(WeightFileError, match="not an FCN-VGG16"):
        import_pytorch_fcn(path)


# V1 (legacy) layers predate Caffe's Scale layer, so at-once models exist in the new style only.
@pytest.mark.parametrize("name,legacy", [(n, legacy) for n in ("fcn32s", "fcn16s", "fcn8s") for legacy in (False, True)]
                         + [("fcn8s-atonce", False)])
def test_caffemodel_imports_and_predicts_like_the_same_weights(tmp_path, name, legacy):
    model = randomised(name, num_classes=21)
    extra = [("data", "Convolution", [])]
    if name == "fcn8s-atonce":
        extra += [("scale_pool4", "Scale", [torch.tensor([0.01]).numpy()])]
    path = tmp_path / f"{name}.caffemodel"
    path.write_bytes(caffemodel_from_state(model.state_dict(), extra, legacy=legacy))
    imported = import_caffemodel(path)
    assert imported.arch == name
    assert imported.info.input.channel_order == "BGR" and imported.info.notes["format"] == "caffe"
    x = torch.randn(1, 3, 23, 35)
    with torch.no_grad():
        torch.testing.assert_close(imported(x), model.eval()(x))


def test_caffemodel_of_another_architecture_or_garbage_is_refused(tmp_path):
    from .caffe_writer import net

    alex = tmp_path / "alexnet.caffemodel"
    alex.write_bytes(net([("conv1", "Convolution", [torch.zeros(4, 3, 11, 11).numpy()]), ("fc8", "Convolution", [])]))
    with pytest.raises(WeightFileError, match="not an FCN-VGG16 caffemodel.*conv1"):
        import_caffemodel(alex)
    junk = tmp_path / "junk.caffemodel"
    junk.write_bytes(b"\xff" * 64)
    with pytest.raises(WeightFileError, match="junk.caffemodel"):
        import_caffemodel(junk)


def test_imported_caffe_model_is_fed_bgr_mean_subtracted_input():
    model = randomised("fcn32s", num_classes=21)
    model.info = ModelInfo(arch="fcn32s", num_classes=21, width=0.0625, input=CAFFE_INPUT)
    seg = Segmenter(model, device="cpu")
    rgb = torch.randint(0, 256, (9, 11, 3), dtype=torch.uint8).numpy()
    x = to_input(rgb, seg.info.input)  # what the Segmenter feeds the net
    expected = torch.from_numpy(rgb).permute(2, 0, 1).float().flip(0) - torch.tensor(CAFFE_INPUT.mean).view(3, 1, 1)
    torch.testing.assert_close(x[0], expected)


def test_open_model_rejects_unknown_suffix(tmp_path):
    with pytest.raises(WeightFileError, match="unknown weight file type"):
        open_model(tmp_path / "model.onnx")
