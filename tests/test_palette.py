import numpy as np
from PIL import Image

from fcn_studio.palette import colorize, label_png, save_label_png, voc_color, voc_palette


def test_voc_palette_matches_the_reference_entries():
    expected = {0: (0, 0, 0), 1: (128, 0, 0), 2: (0, 128, 0), 7: (128, 128, 128), 8: (64, 0, 0),
                15: (192, 128, 128), 20: (0, 64, 128), 255: (224, 224, 192)}
    pal = voc_palette()
    for k, rgb in expected.items():
        assert voc_color(k) == rgb and tuple(pal[k]) == rgb


def test_label_png_round_trips_indices_and_void(tmp_path):
    labels = np.array([[0, 1, 2], [255, 20, 3]], dtype=np.uint8)
    path = tmp_path / "l.png"
    save_label_png(labels, path)
    img = Image.open(path)
    assert img.mode == "P" and np.array_equal(np.array(img), labels)
    assert img.getpalette()[3:6] == [128, 0, 0]


def test_colorize_uses_a_class_palette_and_void_colour():
    pal = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    out = colorize(np.array([[0, 1, 255]]), pal)
    assert out.tolist() == [[[1, 2, 3], [4, 5, 6], [224, 224, 192]]]


def test_label_png_is_a_palette_image_of_the_indices():
    labels = np.array([[0, 1], [2, 255]], dtype=np.uint8)
    img = label_png(labels)
    assert img.mode == "P" and np.array_equal(np.asarray(img), labels)
    assert img.getpalette()[3:6] == list(voc_palette()[1])
