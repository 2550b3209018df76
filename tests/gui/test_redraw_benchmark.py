"""fcn_studio.benchmarks.redraw runs (small, here) and prints both strategies with their ratio."""

import logging

import numpy as np

from fcn_studio.benchmarks import redraw
from fcn_studio.engine.backends.cpu import cpu_description


def test_scene_is_a_blocky_label_map_over_an_image():
    rgb, labels = redraw.scene(120, 80, 21)
    assert rgb.shape == (80, 120, 3) and labels.shape == (80, 120) and labels.dtype == np.uint8
    assert labels.max() < 21 and (labels[:50, :50] == labels[0, 0]).all()


def test_redraw_benchmark_prints_old_new_and_ratio(qtbot, caplog):
    with caplog.at_level(logging.INFO, logger="fcn_studio.benchmarks.redraw"):
        assert redraw.main(["--width", "240", "--height", "160", "--ticks", "3", "--toggles", "2"]) == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "fcn_studio.benchmarks.redraw"]
    assert "240×160" in lines[0] and cpu_description() in lines[0]  # the CPU, model and flags, beside the ratios
    assert [line.split()[0] for line in lines[1:]] == ["opacity", "legend"]
    assert all("old (RGBA rebuild + setImage)" in line and "faster" in line for line in lines[1:])
