import math

import numpy as np
import pytest
import torch

from fcn_studio import ConfusionMatrix
from fcn_studio.engine.metrics import metrics_from_matrix


def test_hand_computed_case_with_void_and_an_absent_class():
    # 4 classes; class 3 is absent from truth and prediction; 255 is void.
    target = np.array([[0, 0, 1, 1], [0, 2, 2, 255]])
    pred = np.array([[0, 1, 1, 1], [0, 2, 0, 3]])
    cm = ConfusionMatrix(4)
    cm.update(pred, target)
    hist = cm.matrix()
    # rows truth, cols prediction; the void pixel (predicted 3) is dropped
    assert hist.tolist() == [[2, 1, 0, 0], [0, 2, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]
    m = cm.compute()
    assert m["pixel_acc"] == pytest.approx(5 / 7)
    assert m["mean_acc"] == pytest.approx((2 / 3 + 1 + 1 / 2) / 3)
    ius = [2 / (3 + 3 - 2), 2 / (2 + 3 - 2), 1 / (2 + 1 - 1)]
    assert m["mean_iu"] == pytest.approx(sum(ius) / 3)
    assert m["fwiu"] == pytest.approx((3 * ius[0] + 2 * ius[1] + 2 * ius[2]) / 7)
    assert m["iu"][:3] == pytest.approx(ius) and math.isnan(m["iu"][3])


def test_class_predicted_but_absent_from_truth_counts_as_zero_iu():
    cm = ConfusionMatrix(3)
    cm.update(torch.tensor([0, 2, 1, 1]), torch.tensor([0, 0, 1, 1]))
    m = cm.compute()
    assert m["iu"] == pytest.approx([0.5, 1.0, 0.0])
    assert m["mean_iu"] == pytest.approx(0.5)
    assert m["mean_acc"] == pytest.approx((0.5 + 1.0) / 2)  # accuracy skips classes without truth


def test_accumulates_over_the_split_not_per_image_average():
    cm = ConfusionMatrix(2)
    cm.update(np.array([0, 0, 0, 0]), np.array([0, 0, 0, 0]))
    cm.update(np.array([1]), np.array([0]))
    assert cm.compute()["pixel_acc"] == pytest.approx(4 / 5)


def test_merge_reset_and_torch_numpy_agree():
    rng = np.random.default_rng(0)
    t, p = rng.integers(0, 5, 1000), rng.integers(0, 5, 1000)
    whole = ConfusionMatrix(5)
    whole.update(torch.from_numpy(p), torch.from_numpy(t))
    a, b = ConfusionMatrix(5), ConfusionMatrix(5)
    a.update(p[:400], t[:400])
    b.update(p[400:], t[400:])
    assert (a.merge(b).matrix() == whole.matrix()).all()
    assert whole.matrix().sum() == 1000
    whole.reset()
    assert whole.matrix().sum() == 0 and math.isnan(whole.compute()["pixel_acc"])
    with pytest.raises(ValueError):
        a.merge(ConfusionMatrix(4))


def test_matrix_stays_on_the_device_of_its_inputs():
    cm = ConfusionMatrix(3)
    cm.update(torch.zeros(2, 2, dtype=torch.long), torch.zeros(2, 2, dtype=torch.long))
    assert cm.mat.device.type == "cpu" and cm.mat.dtype == torch.int64


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="differs"):
        ConfusionMatrix(2).update(np.zeros((2, 2)), np.zeros((2, 3)))


def test_metrics_from_matrix_perfect():
    m = metrics_from_matrix(np.diag([3, 4]))
    assert m["pixel_acc"] == m["mean_acc"] == m["mean_iu"] == m["fwiu"] == 1.0
