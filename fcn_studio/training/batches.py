"""Which images form each training step, and how they are augmented — all from (seed, position).

The data order of epoch e is torch's `DistributedSampler` permutation for (seed, e) (one replica
without torchrun), and image p of a run is always the same file with the same flip and jitter. So
a resumed run needs only its update count to continue exactly where it stopped.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DistributedSampler

from ..errors import DatasetError
from ..data.dataset import SegmentationDataset
from ..palette import VOID_LABEL


def derived_seed(*parts: int) -> int:
    """A 63-bit seed from integers, well mixed (SeedSequence), for independent streams."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(2, np.uint64)[0] >> np.uint64(1))


class BatchPlan:
    """Batches of one rank: `batch(position, size)` returns images position … position+size−1."""

    def __init__(self, dataset: SegmentationDataset, seed: int, rank: int = 0, world_size: int = 1,
                 mirror: bool = False, jitter: int = 0):
        if len(dataset) == 0:
            raise DatasetError(dataset.root, "the training split has no images")
        self.dataset = dataset
        self.seed = seed
        self.rank = rank
        self.mirror = mirror
        self.jitter = jitter
        self.sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=seed)
        self._orders: dict[int, list[int]] = {}

    @property
    def epoch_length(self) -> int:
        return len(self.sampler)

    def index_at(self, position: int) -> int:
        epoch, offset = divmod(position, self.epoch_length)
        if epoch not in self._orders:
            self.sampler.set_epoch(epoch)
            self._orders = {epoch: list(self.sampler)}
        return self._orders[epoch][offset]

    def batch(self, position: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """N×3×H×W uint8 images and N×H×W int64 labels (all images of a batch must share a size)."""
        items = [self._item(p) for p in range(position, position + size)]
        shapes = {tuple(img.shape) for img, _ in items}
        if len(shapes) > 1:
            indices = [self.index_at(p) for p in range(position, position + size)]
            paths = ", ".join(str(self.dataset.image_path(i)) for i in indices[:3])
            raise DatasetError(self.dataset.root, f"images of one batch differ in size ({paths}); "
                               "use batch_size 1 for sets of mixed sizes")
        return torch.stack([img for img, _ in items]), torch.stack([lab for _, lab in items])

    def keys(self, position: int, size: int) -> list[tuple[int, bool]]:
        """(dataset index, mirrored) of each image of `batch(position, size)`: what identifies its
        pixels without jitter, so a trunk-blob cache keeps both orientations of an image apart."""
        return [(self.index_at(p), self._augmentation(p)[0]) for p in range(position, position + size)]

    def _augmentation(self, position: int) -> tuple[bool, int, int]:
        """Mirrored or not, and the jitter (dy, dx), of image `position`: drawn from (seed, rank, position)."""
        if not (self.mirror or self.jitter):
            return False, 0, 0
        rng = np.random.default_rng(derived_seed(self.seed, self.rank, position))
        flip = bool(self.mirror and rng.random() < 0.5)
        dy, dx = rng.integers(-self.jitter, self.jitter + 1, size=2) if self.jitter else (0, 0)
        return flip, int(dy), int(dx)

    def _item(self, position: int) -> tuple[torch.Tensor, torch.Tensor]:
        image, label = self.dataset[self.index_at(position)]
        flip, dy, dx = self._augmentation(position)
        if flip:
            image, label = image.flip(-1), label.flip(-1)
        if self.jitter:
            image, label = translate(image, label, dy, dx)
        return image, label


def translate(image: torch.Tensor, label: torch.Tensor, dy: int, dx: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Shift content by (dy, dx) px; uncovered pixels become black and void (no loss there)."""
    h, w = label.shape
    out_img = torch.zeros_like(image)
    out_lab = torch.full_like(label, VOID_LABEL)
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out_img[:, yd, xd] = image[:, ys, xs]
    out_lab[yd, xd] = label[ys, xs]
    return out_img, out_lab
