"""Which results the window still needs, and asking for each need once.

For the shown image the shown head comes first (it is what the user looks at), then the family's
other heads, finest first, so a head switch or the comparison grid costs nothing once they arrive.
Whoever runs jobs turns a `SegmentRequest` into a `SegmentJob`; `RequestLog` makes sure a need is
asked for once, however many times the view is redrawn meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .catalog import HEADS, ModelEntry
from .jobs import SegmentJob
from .session import OpenImage, Session


@dataclass(frozen=True)
class SegmentRequest:
    """Heads to compute for the shown image, the one to show first first."""

    image: OpenImage
    entries: tuple[ModelEntry, ...]
    device: str
    stitch: int

    @property
    def key(self) -> tuple:
        return self.image.key, tuple(str(e.path) for e in self.entries), self.device, self.stitch

    def job(self, session: Session) -> SegmentJob:
        return SegmentJob(session, self.image, list(self.entries), self.device, stitch=self.stitch)


def missing_heads(family: dict[str, ModelEntry], head: str, has_result: Callable[[str], bool]) -> list[ModelEntry]:
    """The family's heads without a result: `head` first, then the others finest first."""
    order = [head] + [h for h in reversed(HEADS) if h in family and h != head]
    return [family[h] for h in order if h in family and not has_result(h)]


class RequestLog:
    """Remembers the last request made, so an unchanged need is not asked for again."""

    def __init__(self) -> None:
        self._last: tuple | None = None

    def ask(self, request: SegmentRequest | None) -> SegmentRequest | None:
        """`request` if it is a new need (None when nothing is missing or it was asked already)."""
        if request is None:
            self._last = None
            return None
        if request.key == self._last:
            return None
        self._last = request.key
        return request

    def forget(self) -> None:
        """Ask again for what is missing (after an error, say)."""
        self._last = None
