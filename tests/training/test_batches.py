import numpy as np
import pytest
import torch

from fcn_studio.errors import DatasetError
from fcn_studio.data.dataset import SegmentationDataset
from fcn_studio.training.batches import BatchPlan, derived_seed, translate
from fcn_studio.palette import VOID_LABEL


class Numbered(SegmentationDataset):
    """Image i is filled with the value i, so a batch tells which images it holds."""

    def __init__(self, n, sizes=None):
        super().__init__("mem", ["a", "b"])
        self.ids = [str(i) for i in range(n)]
        self.sizes = sizes or [(4, 6)] * n

    def image_path(self, index):
        return f"img{index}.png"

    def load(self, index):
        h, w = self.sizes[index]
        label = np.zeros((h, w), np.uint8)
        label[:, : w // 2] = 1
        return np.full((h, w, 3), index, np.uint8), label


def ids(images):
    return [int(img[0, 0, 0]) for img in images]


def test_each_epoch_is_a_permutation_and_order_depends_on_seed_only():
    plan = BatchPlan(Numbered(7), seed=3)
    first = [plan.index_at(p) for p in range(7)]
    second = [plan.index_at(p) for p in range(7, 14)]
    assert sorted(first) == sorted(second) == list(range(7)) and first != second
    again = BatchPlan(Numbered(7), seed=3)
    assert [again.index_at(p) for p in range(14)] == first + second  # same seed, same order
    assert [BatchPlan(Numbered(7), seed=4).index_at(p) for p in range(7)] != first


def test_batches_cross_epoch_boundaries_in_order():
    plan = BatchPlan(Numbered(5), seed=0)
    images, labels = plan.batch(3, 4)
    assert ids(images) == [plan.index_at(p) for p in range(3, 7)]
    assert images.dtype == torch.uint8 and labels.shape == (4, 4, 6)


def test_two_ranks_split_each_epoch():
    a, b = BatchPlan(Numbered(8), 1, rank=0, world_size=2), BatchPlan(Numbered(8), 1, rank=1, world_size=2)
    seen = [a.index_at(p) for p in range(4)] + [b.index_at(p) for p in range(4)]
    assert sorted(seen) == list(range(8))


def test_mixed_sizes_need_batch_size_one():
    plan = BatchPlan(Numbered(2, sizes=[(4, 6), (5, 6)]), seed=0)
    with pytest.raises(DatasetError, match="differ in size.*img"):
        plan.batch(0, 2)
    assert plan.batch(0, 1)[0].shape[0] == 1


def test_empty_split_is_refused():
    with pytest.raises(DatasetError, match="no images"):
        BatchPlan(Numbered(0), seed=0)


def test_translate_by_hand():
    image = torch.arange(12, dtype=torch.uint8).reshape(1, 3, 4)
    label = torch.arange(12).reshape(3, 4)
    img, lab = translate(image, label, 1, -2)
    assert lab.tolist() == [[VOID_LABEL] * 4, [2, 3, VOID_LABEL, VOID_LABEL], [6, 7, VOID_LABEL, VOID_LABEL]]
    assert img[0].tolist() == [[0] * 4, [2, 3, 0, 0], [6, 7, 0, 0]]


def test_augmentation_is_a_function_of_position():
    ds = Numbered(4)
    plan = BatchPlan(ds, seed=5, mirror=True, jitter=1)
    a = plan.batch(0, 4)
    b = BatchPlan(ds, seed=5, mirror=True, jitter=1).batch(0, 4)
    assert torch.equal(a[1], b[1])
    flipped = [bool((lab[:, 0] == 0).all() and (lab[:, -1] == 1).any()) for lab in a[1]]
    assert any(flipped) or any(bool((lab == VOID_LABEL).any()) for lab in a[1])  # something was augmented


def test_derived_seed_separates_streams():
    assert derived_seed(1, 2, 3) == derived_seed(1, 2, 3) != derived_seed(1, 2, 4)
    assert 0 <= derived_seed(0) < 2 ** 63
