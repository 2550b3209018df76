"""The image list while an annotation project is open: what the project knows of each image.

Each row says how much of the image is painted, whether it is kept for testing and fully painted,
and which round's model last predicted it (`AnnotationSession.image_state`); the session's
`changed` event (a save, a flag, a removal, a round's prediction) and a new project redraw the
rows. The row's context menu takes an image out of the project through `remove` (the annotate
control's, which asks first)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject

from ..app.annotate.session import AnnotationSession
from ..app.session import OpenImage
from ..app.view_model import ViewModel
from .image_list import ImageList


class ProjectImages(QObject):
    def __init__(self, vm: ViewModel, session: AnnotationSession, images: ImageList,
                 remove: Callable[[OpenImage], object]):
        super().__init__(images)
        self.vm, self.session, self.images = vm, session, images
        images.describe = self.describe
        images.remove_requested.connect(remove)
        session.events.changed.connect(lambda _name: images.refresh())
        session.state.events.project.connect(lambda _project: images.refresh())
        vm.events.result.connect(self._predicted)

    def describe(self, image: OpenImage) -> str:
        """The row's words for `image` ("" outside the project)."""
        found = self.session.image_state(image)
        return found.text if found is not None else ""

    def _predicted(self, head: str) -> None:
        """A result of the shown model: remembered when the model is one of the project's rounds."""
        entry = self.vm.entry
        if head == self.vm.head and entry is not None:
            self.session.predicted(self.vm.image, entry.path)
