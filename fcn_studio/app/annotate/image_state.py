"""What the image list says of a project image: how much is painted, its flags, the round that predicted it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImageState:
    """What the image list says of a project image."""

    name: str
    painted: float  # fraction of its pixels labelled
    held_out: bool
    fully_painted: bool
    predicted_by: str | None = None  # the round whose model last predicted it

    @property
    def text(self) -> str:
        percent = 100 * self.painted
        shown = f"{percent:.0f}" if percent >= 1 or percent == 0 else "<1"
        words = [f"{shown} % painted"]
        words += ["test"] if self.held_out else []
        words += ["fully painted"] if self.fully_painted else []
        words += [f"predicted by {self.predicted_by}"] if self.predicted_by else []
        return " · ".join(words)
