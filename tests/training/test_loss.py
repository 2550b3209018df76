import math

import numpy as np
import torch

from fcn_studio.data.dataset import SegmentationDataset
from fcn_studio.palette import VOID_LABEL
from fcn_studio.training.loss import class_weights, pixel_loss, sample_cells


def test_pixel_loss_by_hand():
    # Two pixels, two classes; the third pixel is void and must not count.
    logits = torch.tensor([[[[2.0, 0.0, 5.0]], [[0.0, 1.0, -5.0]]]])  # 1×2×1×3
    target = torch.tensor([[[0, 1, VOID_LABEL]]])
    nll = [-math.log(math.exp(2) / (math.exp(2) + 1)), -math.log(math.e / (1 + math.e))]
    assert abs(pixel_loss(logits, target).item() - sum(nll) / 2) < 1e-6
    assert abs(pixel_loss(logits, target, normalize=False).item() - sum(nll)) < 1e-6
    weighted = pixel_loss(logits, target, weights=torch.tensor([1.0, 3.0])).item()
    assert abs(weighted - (nll[0] + 3 * nll[1]) / 4) < 1e-6


def test_summed_loss_divides_by_batch_only():
    logits = torch.randn(2, 3, 4, 5)
    target = torch.randint(0, 3, (2, 4, 5))
    one = [pixel_loss(logits[i : i + 1], target[i : i + 1], normalize=False) for i in range(2)]
    assert torch.allclose(pixel_loss(logits, target, normalize=False), (one[0] + one[1]) / 2)


def test_all_void_gives_zero_not_nan():
    logits = torch.randn(1, 3, 2, 2, requires_grad=True)
    loss = pixel_loss(logits, torch.full((1, 2, 2), VOID_LABEL))
    loss.backward()
    assert loss.item() == 0.0 and torch.all(logits.grad == 0)


def test_sample_cells_drops_whole_cells():
    target = torch.zeros(1, 64, 96, dtype=torch.long)
    gen = torch.Generator().manual_seed(0)
    kept = sample_cells(target, 0.5, gen, cell=32)
    cells = kept.reshape(2, 32, 3, 32).permute(0, 2, 1, 3).reshape(6, -1)
    assert all(len(torch.unique(c)) == 1 for c in cells)  # each cell is all kept or all void
    many = sample_cells(torch.zeros(1, 32 * 40, 32 * 40, dtype=torch.long), 0.25, gen)
    assert abs((many != VOID_LABEL).float().mean().item() - 0.25) < 0.05
    assert sample_cells(target, 1.0, gen) is target


class Labels(SegmentationDataset):
    def __init__(self, labels):
        super().__init__("mem", ["a", "b", "c"])
        self.labels = labels
        self.ids = [str(i) for i in range(len(labels))]

    def load(self, index):
        label = self.labels[index]
        return np.zeros(label.shape + (3,), np.uint8), label


def test_median_frequency_weights_by_hand():
    # counts: class 0 → 6, class 1 → 2, class 2 → 0; void ignored
    labels = [np.array([[0, 0, 0, 1]], np.uint8), np.array([[0, 0, 0, 1], [VOID_LABEL, VOID_LABEL, VOID_LABEL, VOID_LABEL]], np.uint8)]
    w = class_weights(Labels(labels), 3)
    # frequencies of present classes 0.75, 0.25 → median 0.5 → weights 0.5/0.75, 0.5/0.25, absent 0
    assert torch.allclose(w, torch.tensor([2 / 3, 2.0, 0.0]))
