"""Checking every item of a dataset before training starts on it.

Opening a dataset checks that every listed file exists; a mask with values outside the classes
or of another size than its image only shows when the item is decoded. Training on such a set
would stop hours in (or, worse, learn from a wrong label), so the trainer decodes every item
first and refuses the set with all its problems listed at once, each naming the file and the
split-list line that named it.
"""

from __future__ import annotations

import logging
from typing import Callable

from ..errors import DatasetError
from .dataset import SegmentationDataset

log = logging.getLogger(__name__)

SHOWN = 10  # problems spelled out in the message; the rest are counted


def verify_dataset(dataset: SegmentationDataset, what: str = "dataset",
                   should_stop: Callable[[], bool] | None = None) -> None:
    """Decode every item; raise one DatasetError naming the first broken file and listing the others.

    When `should_stop()` turns true (the user cancelled) the check ends early without a verdict:
    the caller is stopping anyway.
    """
    if len(dataset) == 0:
        raise DatasetError(dataset.root, f"the {what} has no images")
    problems: list[tuple[DatasetError, str]] = []
    for index in range(len(dataset)):
        if should_stop is not None and should_stop():
            return
        try:
            dataset.load(index)
        except DatasetError as exc:
            problems.append((exc, dataset.listed_at(index)))
    if not problems:
        log.info("%s: all %d items decode and fit the %d classes", what, len(dataset), dataset.num_classes)
        return
    (first, where), rest = problems[0], problems[1:]
    reason = first.reason + (f" (listed on {where})" if where else "")
    if rest:
        lines = [f"  {exc}" + (f" (listed on {at})" if at else "") for exc, at in rest[: SHOWN - 1]]
        more = f"\n  … and {len(rest) - SHOWN + 1} more" if len(rest) > SHOWN - 1 else ""
        reason += f"\n{len(problems)} of {len(dataset)} items in the {what} are broken; the others:\n" + "\n".join(lines) + more
    raise DatasetError(first.path, reason)
