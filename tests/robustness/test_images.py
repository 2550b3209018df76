"""Images a user may hand us: every one gives the right pixels or an ImageLoadError naming the file."""

import builtins
import io
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from fcn_studio.app.jobs import ImageFailed, ImageOpened, OpenImagesJob
from fcn_studio.cli import main
from fcn_studio import images
from fcn_studio.errors import ImageLoadError, printable
from fcn_studio.images import load_image, max_image_pixels, set_max_image_pixels
from fcn_studio.engine import save_model
from tests.compact_models import compact_model, write_image
from tests.gui.conftest import drop, wait_idle

from .files import png_bomb, random_rgb, write_rgb


@pytest.fixture
def limit():
    """Restore the process-wide pixel limit after a test changes it."""
    before = max_image_pixels()
    yield
    set_max_image_pixels(before)


def test_grey_palette_rgba_and_one_pixel_give_their_exact_colours(tmp_path):
    rgb = random_rgb()
    grey = tmp_path / "grey.png"
    Image.fromarray(rgb[..., 0]).save(grey)
    assert np.array_equal(load_image(grey), np.repeat(rgb[..., :1], 3, axis=2))
    rgba = tmp_path / "rgba.png"
    Image.fromarray(np.dstack([rgb, np.full(rgb.shape[:2], 7, np.uint8)])).save(rgba)
    assert np.array_equal(load_image(rgba), rgb)
    indices = (rgb[..., 0] % 4).astype(np.uint8)
    palette = Image.fromarray(indices, mode="P")
    colours = [[10, 20, 30], [200, 0, 0], [0, 200, 0], [0, 0, 200]]
    palette.putpalette(sum(colours, []) + [0] * (768 - 12))
    palette.save(tmp_path / "palette.png")
    assert np.array_equal(load_image(tmp_path / "palette.png"), np.array(colours, np.uint8)[indices])
    one = write_rgb(tmp_path / "one.png", np.array([[[1, 2, 3]]], np.uint8))
    assert load_image(one).tolist() == [[[1, 2, 3]]]


def test_sixteen_bit_png_is_scaled_to_eight_bits(tmp_path):
    values = np.array([[0, 257, 65535], [32896, 514, 1285]], np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    assert Image.open(path).mode.startswith("I")
    assert load_image(path)[..., 0].tolist() == [[0, 1, 255], [128, 2, 5]]


def test_cmyk_jpeg_and_exif_rotation(tmp_path):
    rgb = np.zeros((16, 24, 3), np.uint8)
    rgb[:, :12] = (250, 20, 20)
    cmyk = tmp_path / "cmyk.jpg"
    Image.fromarray(rgb).convert("CMYK").save(cmyk, quality=95)
    loaded = load_image(cmyk)
    assert loaded.shape == (16, 24, 3) and np.abs(loaded.astype(int) - rgb).mean() < 8
    exif = Image.Exif()
    exif[0x0112] = 8  # shown rotated 90° anticlockwise
    rotated = write_rgb(tmp_path / "exif.jpg", rgb, exif=exif, quality=95)
    loaded = load_image(rotated)
    assert loaded.shape == (24, 16, 3) and np.abs(loaded.astype(int) - np.rot90(rgb)).mean() < 8


def broken_files(folder):
    """{file: what its message must say} for every kind of damage we refuse."""
    png = write_rgb(folder / "whole.png")
    jpg = write_rgb(folder / "whole.jpg", quality=90)
    flipped = bytearray(png.read_bytes())
    flipped[60:90] = bytes(b ^ 0xFF for b in flipped[60:90])
    files = {
        "truncated.png": (png.read_bytes()[: len(png.read_bytes()) // 2], "truncated"),
        "truncated.jpg": (jpg.read_bytes()[: len(jpg.read_bytes()) // 2], "truncated"),
        "corrupt.png": (bytes(flipped), "corrupt"),
        "corrupt.jpg": (jpg.read_bytes()[:200] + b"\xff\xd9", "corrupt"),
        "empty.png": (b"", "empty (0 bytes)"),
        "notes.png": (b"shopping list: eggs, milk\n", "not an image file"),
    }
    out = {}
    for name, (data, reason) in files.items():
        (folder / name).write_bytes(data)
        out[folder / name] = reason
    return out


def test_broken_files_raise_naming_the_file_and_the_problem(tmp_path):
    for path, reason in broken_files(tmp_path).items():
        with pytest.raises(ImageLoadError) as err:
            load_image(path)
        assert str(err.value).startswith(f"{path}: ") and reason in str(err.value), path.name


def test_unreadable_permissions_are_named(tmp_path, monkeypatch):
    path = write_rgb(tmp_path / "secret.png")
    path.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the open fail the way it does for a user
        real_open = builtins.open

        def denying_open(file, *args, **kwargs):
            if os.fspath(file) == str(path):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", denying_open)
    with pytest.raises(ImageLoadError, match=r"secret\.png: permission denied"):
        load_image(path)


def test_decompression_bomb_is_refused_with_the_override_named(tmp_path):
    bomb = png_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ImageLoadError) as err:
        load_image(bomb)
    message = str(err.value)
    assert message.startswith(f"{bomb}: 400,000,000 pixels is over the limit of 100,000,000 pixels")
    assert "--max-pixels" in message and "FCN_STUDIO_MAX_PIXELS" in message


def test_the_pixel_limit_can_be_raised_explicitly(tmp_path, limit):
    rgb = random_rgb(30, 40)
    path = write_rgb(tmp_path / "big.png", rgb)
    set_max_image_pixels(1000)
    with pytest.raises(ImageLoadError, match=r"big\.png: 40×30 = 1,200 pixels is over the limit of 1,000"):
        load_image(path)
    set_max_image_pixels(1200)
    assert np.array_equal(load_image(path), rgb)
    set_max_image_pixels(0)
    assert np.array_equal(load_image(path), rgb)
    with pytest.raises(ValueError, match=">= 0"):
        set_max_image_pixels(-1)


def test_limit_from_environment_and_cli_flag(tmp_path, monkeypatch, capsys, limit):
    monkeypatch.setenv("FCN_STUDIO_MAX_PIXELS", "1_000")
    assert images._limit_from_env() == 1000
    monkeypatch.setenv("FCN_STUDIO_MAX_PIXELS", "lots")
    assert images._limit_from_env() == images.DEFAULT_MAX_PIXELS
    path = write_rgb(tmp_path / "big.png", random_rgb(30, 40))
    model = save_model(compact_model("fcn32s"), tmp_path / "m.safetensors")
    segment = ["segment", str(path), "-m", str(model), "-o", str(tmp_path / "out")]
    assert main(segment + ["--max-pixels", "1000"]) == 1
    assert "big.png: 40×30 = 1,200 pixels is over the limit of 1,000" in capsys.readouterr().err
    assert main(segment + ["--max-pixels", "0"]) == 0
    assert (tmp_path / "out" / "big.png").is_file()
    with pytest.raises(SystemExit):
        main(segment + ["--max-pixels", "-5"])
    assert "expected a whole number of pixels" in capsys.readouterr().err


def test_non_utf8_file_names_load_and_are_named_printably(tmp_path):
    folder = os.fsencode(tmp_path)
    good = os.fsdecode(folder + b"/caf\xe9.png")  # Latin-1 bytes: not UTF-8
    bad = os.fsdecode(folder + b"/bro\xffken.png")
    rgb = random_rgb()
    Image.fromarray(rgb).save(good)
    with open(bad, "wb") as f:
        f.write(b"not a picture")
    assert np.array_equal(load_image(good), rgb)
    with pytest.raises(ImageLoadError) as err:
        load_image(bad)
    message = str(err.value)
    assert message.encode("utf-8") and "bro\ufffdken.png: not an image file" in message
    events = list(OpenImagesJob([good, bad]).run())
    assert isinstance(events[0], ImageOpened) and events[0].image.name == "caf\ufffd.png"
    assert isinstance(events[1], ImageFailed) and "bro\ufffdken.png" in events[1].message
    assert printable("ok.png") == "ok.png"


PNG = io.BytesIO()
Image.fromarray(random_rgb(12, 10, seed=3)).save(PNG, format="PNG")
JPEG = io.BytesIO()
Image.fromarray(random_rgb(12, 10, seed=4)).save(JPEG, format="JPEG")
SEEDS = {"png": PNG.getvalue(), "jpg": JPEG.getvalue()}


@st.composite
def mutated(draw):
    """A valid PNG or JPEG with bytes overwritten, inserted or cut."""
    kind = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[kind])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "cut"]))
        if action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at : at + draw(st.integers(1, 64))]
    return kind, bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=mutated())
def test_fuzzed_files_give_an_image_or_a_named_error(tmp_path, case):
    kind, data = case
    path = tmp_path / f"fuzz.{kind}"
    path.write_bytes(data)
    try:
        rgb = load_image(path)
    except ImageLoadError as exc:
        assert str(exc).startswith(f"{path}: ") and exc.reason
    else:
        assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3 and rgb.flags.writeable


def test_the_window_names_every_bad_file_and_shows_the_good_one(qtbot, window, tmp_path):
    bad = broken_files(tmp_path)
    bomb = png_bomb(tmp_path / "bomb.png")
    good = write_image(tmp_path / "good.png", size=48)
    drop(window, [*bad, bomb, good])
    wait_idle(qtbot, window, "good.png")
    assert window.isVisible() and window.prediction() is not None
    assert window.errors.isVisible() and len(window.errors.messages) == len(bad) + 1
    for path in [*bad, bomb]:
        assert any(m.startswith(f"{path}: ") for m in window.errors.messages), path.name
    assert window.image_list.count() == 1
