"""A round keeps its last update unless dense held-out scores say another is better beyond their noise."""

from __future__ import annotations

import numpy as np
import pytest

from fcn_studio.training.kept_update import UpdateScore, image_scores, kept_update

from .test_evaluate import Known, RedIsForeground


def test_an_earlier_update_clearly_better_on_dense_images_is_kept():
    scores = [UpdateScore(100, (0.82, 0.80, 0.85)), UpdateScore(200, (0.78, 0.77, 0.80)),
              UpdateScore(300, (0.70, 0.71, 0.74))]
    kept = kept_update(scores, last=300)
    assert kept.update == 100
    assert "kept update 100, not the last (300)" in kept.reason and "0.823 against 0.717" in kept.reason
    assert "3 fully painted test images" in kept.reason


def test_the_last_update_stays_when_the_difference_is_within_the_noise():
    # update 100 is better on average (0.80 vs 0.78) but the images disagree about it
    scores = [UpdateScore(100, (0.95, 0.60, 0.85)), UpdateScore(300, (0.70, 0.75, 0.89))]
    kept = kept_update(scores, last=300)
    assert kept.update == 300
    assert "within the noise" in kept.reason and "update 100" in kept.reason


def test_sparse_scores_and_single_images_never_overrule_the_last_update():
    sparse = [UpdateScore(100, (1.0, 1.0), dense=False), UpdateScore(300, (0.9, 0.9), dense=False)]
    assert kept_update(sparse, last=300).update == 300
    assert "no fully painted test image" in kept_update(sparse, last=300).reason
    single = [UpdateScore(100, (0.9,)), UpdateScore(300, (0.5,))]
    assert kept_update(single, last=300).update == 300
    assert "paint a second one" in kept_update(single, last=300).reason
    unscored_last = [UpdateScore(100, (0.9, 0.8))]
    assert kept_update(unscored_last, last=300).update == 300


def test_the_bar_is_z_standard_errors_of_the_paired_difference():
    # differences 0.05, 0.03, 0.04: mean 0.04, standard error 0.01/√3 ≈ 0.0058
    scores = [UpdateScore(1, (0.55, 0.63, 0.74)), UpdateScore(2, (0.50, 0.60, 0.70))]
    assert kept_update(scores, last=2, z=6.0).update == 1  # 0.04 > 6 × 0.0058
    assert kept_update(scores, last=2, z=7.5).update == 2  # 0.04 < 7.5 × 0.0058


def test_image_scores_are_each_images_own_mean_iu():
    left = np.zeros((4, 8), np.uint8)
    left[:, 4:] = 1  # the model's edge is at column 3: one column wrong
    right = np.ones((4, 8), np.uint8)  # the model says background on columns 0..2
    scores = image_scores(RedIsForeground(), Known([left, right]))
    assert scores[0] == pytest.approx((12 / 16 + 16 / 20) / 2)
    assert scores[1] == pytest.approx((0 + 20 / 32) / 2)
