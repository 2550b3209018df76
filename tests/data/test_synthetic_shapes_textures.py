import colorsys

import numpy as np
import pytest

from fcn_studio.data.synthetic.shapes import (
    SHAPES,
    box_sdf,
    disc_sdf,
    ellipse_sdf,
    polygon_sdf,
    polyline_sdf,
    regular_polygon,
    thin_width,
)
from fcn_studio.data.synthetic.textures import FAMILIES, TEXTURES, partner_colour, sample_colour, value_noise

GRID = np.mgrid[-40:41, -40:41].astype(np.float32)
V, U = GRID[0], GRID[1]


def test_exact_distances():
    assert disc_sdf(np.float32(3), np.float32(4), 2.0) == pytest.approx(3.0)
    assert box_sdf(np.float32(5), np.float32(0), 2.0, 1.0) == pytest.approx(3.0)
    assert box_sdf(np.float32(5), np.float32(5), 2.0, 1.0) == pytest.approx(5.0)
    assert box_sdf(np.float32(0), np.float32(0), 2.0, 1.0) == pytest.approx(-1.0)
    assert ellipse_sdf(np.float32(4), np.float32(0), 4.0, 2.0) == pytest.approx(0.0, abs=1e-5)
    assert ellipse_sdf(np.float32(0), np.float32(0), 4.0, 2.0) < 0 < ellipse_sdf(np.float32(0), np.float32(3), 4.0, 2.0)
    line = np.array([[0.0, 0.0], [10.0, 0.0]])
    assert polyline_sdf(np.float32(5), np.float32(3), line, 1.0) == pytest.approx(2.0)
    assert polyline_sdf(np.float32(13), np.float32(4), line, 0.5) == pytest.approx(4.5)


def test_polygon_matches_box_and_both_windings():
    square = np.array([[-5, -5], [5, -5], [5, 5], [-5, 5]], float)
    expected = box_sdf(U, V, 5, 5)
    assert np.allclose(polygon_sdf(U, V, square), expected, atol=1e-4)
    assert np.allclose(polygon_sdf(U, V, square[::-1]), expected, atol=1e-4)


def test_regular_polygon_and_thin_width():
    rng = np.random.default_rng(0)
    hexagon = regular_polygon(6, 10.0, rng)
    assert hexagon.shape == (6, 2) and np.allclose(np.hypot(*hexagon.T), 10.0)
    widths = [thin_width(rng, 20.0) for _ in range(50)]
    assert 1.2 <= min(widths) and max(widths) <= 3.5 and thin_width(rng, 2.0) <= 1.0


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_shape_is_nonempty_and_inside_its_radius(name):
    for seed in range(5):
        spec = SHAPES[name](np.random.default_rng(seed), 24.0, 128)
        d = spec.sdf(U, V)
        inside = d < 0
        assert inside.sum() > 10, name
        assert not inside[np.hypot(U, V) > spec.radius].any(), name
    centre_inside = SHAPES[name](np.random.default_rng(0), 24.0, 128).sdf(np.float32(0), np.float32(0)) < 0
    assert centre_inside == (name not in ("ring", "frame", "crescent", "wire"))


@pytest.mark.parametrize("name", sorted(TEXTURES))
def test_every_texture_lies_in_unit_range(name):
    field = TEXTURES[name](np.random.default_rng(1), 20.0)(U, V)
    assert field.shape == U.shape and field.min() >= 0 and field.max() <= 1
    if name != "flat":
        assert field.std() > 0.1, name


def test_value_noise_is_smooth_and_in_range():
    n = value_noise(np.random.default_rng(0), U, V, 8.0)
    assert 0 <= n.min() and n.max() <= 1 and n.std() > 0.05
    assert np.abs(np.diff(n, axis=1)).max() < 0.35


def test_colours_keep_to_their_family():
    rng = np.random.default_rng(0)
    for family, (lo, hi) in FAMILIES.items():
        for _ in range(20):
            c = sample_colour(rng, family)
            h, s, v = colorsys.rgb_to_hsv(*(c / 255))
            assert c.shape == (3,) and 0 <= c.min() and c.max() <= 255
            if family != "any":
                assert lo - 1e-3 <= h <= hi + 1e-3 or lo - 1e-3 <= h - 1 <= hi + 1e-3, family
            partner = partner_colour(rng, c, family)
            assert abs(colorsys.rgb_to_hsv(*(partner / 255))[2] - v) > 0.25
