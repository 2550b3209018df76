import math

import numpy as np
import pytest
import torch
from torch import nn

from fcn_studio.data.dataset import SegmentationDataset
from fcn_studio.engine.model_info import ModelInfo
from fcn_studio.training.scores import PAPER_METRICS, headline, headline_line
from fcn_studio.palette import VOID_LABEL
from fcn_studio.training import CancelToken, Cancelled, boundary_band, evaluate
from fcn_studio.training.scores import coverage


def test_boundary_band_by_hand():
    label = torch.zeros(1, 5, 7, dtype=torch.long)
    label[0, :, 4:] = 1  # a vertical edge between columns 3 and 4
    edge = boundary_band(label, 0)[0]
    assert edge.nonzero()[:, 1].unique().tolist() == [3, 4]
    band = boundary_band(label, 1)[0]
    assert band.nonzero()[:, 1].unique().tolist() == [2, 3, 4, 5]
    assert band.all(dim=0).tolist() == [False, False, True, True, True, True, False]
    assert not boundary_band(torch.zeros(1, 4, 4, dtype=torch.long), 2).any()


class Known(SegmentationDataset):
    def __init__(self, labels):
        super().__init__("mem", ["bg", "fg"])
        self.labels = labels
        self.ids = [str(i) for i in range(len(labels))]

    def load(self, index):
        label = self.labels[index]
        image = np.zeros(label.shape + (3,), np.uint8)
        image[..., 0] = 255 * (np.arange(label.shape[1]) >= 3)  # the "model" reads the red channel
        return image, label


class RedIsForeground(nn.Module):
    """Predicts class 1 where the red channel is high: a model whose errors we know."""

    num_classes = 2

    def __init__(self):
        super().__init__()
        self.info = ModelInfo(arch="fcn32s", num_classes=2)

    def forward(self, x):
        fg = (x[:, 0:1] > 0).float()
        return torch.cat([1 - fg, fg], 1)


def test_metrics_and_band_split_by_hand():
    label = np.zeros((4, 8), np.uint8)
    label[:, 4:] = 1          # truth edge at column 4, prediction edge at column 3
    label[0, 0] = VOID_LABEL
    m = evaluate(RedIsForeground(), Known([label]), band=1)
    pred = np.zeros((4, 8), int)
    pred[:, 3:] = 1
    valid = label != VOID_LABEL
    tp_bg = ((pred == 0) & (label == 0) & valid).sum()
    iu_bg = tp_bg / (((pred == 0) | (label == 0)) & valid).sum()
    iu_fg = ((pred == 1) & (label == 1)).sum() / (((pred == 1) | (label == 1)) & valid).sum()
    assert m["iu"] == pytest.approx([iu_bg, iu_fg])
    assert m["mean_iu"] == pytest.approx((iu_bg + iu_fg) / 2)
    assert m["pixel_acc"] == pytest.approx(((pred == label) & valid).sum() / valid.sum())
    # the only errors (column 3) sit in the band; the interior is perfect
    assert m["interior"]["pixel_acc"] == 1.0 and m["boundary"]["pixel_acc"] < 1.0
    assert m["boundary"]["pixels"] + m["interior"]["pixels"] == valid.sum()
    # columns 2..5 around the 3|4 edge (16 px), plus the 5 valid px of rows 0..2, columns 0..1
    # around the void pixel at (0, 0): a change to void is a boundary too
    assert m["boundary"]["pixels"] == 16 + 5
    assert m["class_names"] == ["bg", "fg"] and m["images"] == 1 and m["band_px"] == 1


def test_cancel_stops_evaluation():
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        evaluate(RedIsForeground(), Known([np.zeros((4, 8), np.uint8)]), cancel=token)


def test_headline_keeps_the_metrics_own_keys_and_adds_the_band_means():
    metrics = {"pixel_acc": 0.9, "mean_acc": 0.8, "mean_iu": 0.7, "fwiu": 0.85, "iu": [0.7],
               "boundary": {"mean_iu": 0.5}, "interior": {"mean_iu": 0.75}}
    assert headline(metrics) == {"pixel_acc": 0.9, "mean_acc": 0.8, "mean_iu": 0.7, "fwiu": 0.85,
                                 "boundary_iu": 0.5, "interior_iu": 0.75}
    assert headline({"mean_iu": 0.5}) == {"pixel_acc": None, "mean_acc": None, "mean_iu": 0.5, "fwiu": None}
    assert tuple(headline(metrics))[:4] == PAPER_METRICS


def test_headline_line_prints_the_four_in_percent():
    metrics = {"pixel_acc": 0.912, "mean_acc": 0.801, "mean_iu": 0.703, "fwiu": math.nan, "boundary": {"mean_iu": 0.1}}
    assert headline_line(metrics) == "pixel acc 91.2 · mean acc 80.1 · mean IU 70.3 · f.w. IU n/a"


def test_results_say_what_fraction_of_the_pixels_carried_a_label():
    dense = np.zeros((4, 8), np.uint8)
    dense[:, 4:] = 1
    sparse = np.full((4, 8), VOID_LABEL, np.uint8)
    sparse[1, 1:4] = 0  # three scribbled pixels of 32
    m = evaluate(RedIsForeground(), Known([dense, sparse]), band=1)
    assert (m["pixels"], m["labelled_pixels"], m["dense_images"]) == (64, 35, 1)
    assert m["labelled_fraction"] == pytest.approx(35 / 64)
    assert coverage(m) == "on 35 labelled pixels, 55 % of 2 images"
    only_dense = evaluate(RedIsForeground(), Known([dense]), band=1)
    assert only_dense["labelled_fraction"] == 1.0
    assert coverage(only_dense) == "on 32 labelled pixels of 1 image (fully labelled)"
    assert coverage({"labelled_pixels": 1204, "labelled_fraction": 0.0291, "images": 1, "dense_images": 0}) == \
        "on 1 204 labelled pixels, 3 % of 1 image"
    assert coverage({"labelled_pixels": 9990, "labelled_fraction": 0.9999, "images": 1, "dense_images": 0}) == \
        "on 9 990 labelled pixels, 99.9 % of 1 image"
