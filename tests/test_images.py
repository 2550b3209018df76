import numpy as np
import pytest
from PIL import Image

from fcn_studio.errors import ImageLoadError
from fcn_studio.images import array_to_rgb, load_image, pil_to_rgb

from .images import write_mode_images


def test_every_mode_becomes_rgb_uint8_of_the_right_size(tmp_path):
    for name, (path, size) in write_mode_images(tmp_path).items():
        rgb = load_image(path)
        assert rgb.shape == (*size, 3) and rgb.dtype == np.uint8, name


def test_exif_orientation_is_applied(tmp_path):
    path, _ = write_mode_images(tmp_path)["EXIF"]
    raw = np.asarray(Image.open(path).convert("RGB"))
    assert np.abs(load_image(path).astype(int) - np.rot90(raw, k=-1).astype(int)).mean() < 1


def test_sixteen_bit_is_scaled_not_clipped():
    arr = np.array([[0, 65535], [257, 32896]], dtype=np.uint16)
    assert array_to_rgb(arr)[..., 0].tolist() == [[0, 255], [1, 128]]


def test_grey_and_rgba_arrays():
    assert array_to_rgb(np.full((2, 2), 7, np.uint8))[0, 0].tolist() == [7, 7, 7]
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0] = 9
    assert array_to_rgb(rgba).shape == (2, 2, 3) and array_to_rgb(rgba)[0, 0, 0] == 9
    assert array_to_rgb(np.ones((2, 2), np.float32))[0, 0, 0] == 255
    with pytest.raises(ImageLoadError, match="shape"):
        array_to_rgb(np.zeros((2, 2, 5)))


def test_pil_palette_with_transparency():
    img = Image.new("P", (3, 2))
    img.putpalette([10, 20, 30] * 256)
    img.info["transparency"] = 0
    assert pil_to_rgb(img)[0, 0].tolist() == [10, 20, 30]


@pytest.mark.parametrize("content,reason", [
    (b"", "empty"), (b"this is text, not a picture", "not an image"), (None, "truncated"),
])
def test_bad_files_raise_with_the_file_name(tmp_path, content, reason):
    path = tmp_path / "bad name é.png"
    if content is None:
        Image.new("RGB", (64, 64), "red").save(path)
        path.write_bytes(path.read_bytes()[:60])
    else:
        path.write_bytes(content)
    with pytest.raises(ImageLoadError) as err:
        load_image(path)
    assert "bad name é.png" in str(err.value) and reason in str(err.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageLoadError, match="absent.png: no such file"):
        load_image(tmp_path / "absent.png")
    with pytest.raises(ImageLoadError, match="is a folder"):
        load_image(tmp_path)


def test_every_image_suffix_is_one_pillow_reads_and_the_app_and_datasets_share_it(tmp_path):
    from fcn_studio.app.session import is_image_file
    from fcn_studio.data.folder import IMAGE_EXTENSIONS
    from fcn_studio.data.voc import VOCDataset
    from fcn_studio.images import IMAGE_SUFFIXES

    rgb = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    for suffix in IMAGE_SUFFIXES:
        path = tmp_path / f"x{suffix}"
        Image.fromarray(rgb).save(path, **({"lossless": True} if suffix == ".webp" else {}))
        assert load_image(path).shape == (4, 5, 3) and is_image_file(path)
    assert IMAGE_SUFFIXES[0] == ".jpg" and VOCDataset.image_extensions == IMAGE_SUFFIXES
    assert IMAGE_EXTENSIONS[0] == ".png" and sorted(IMAGE_EXTENSIONS) == sorted(IMAGE_SUFFIXES)
    assert not is_image_file(tmp_path / "x_mask.png") and not is_image_file(tmp_path / "notes.txt")
