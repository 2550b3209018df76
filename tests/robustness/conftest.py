"""Fixtures shared with the GUI and training tests: compact model files, a real window, the colour set."""

from tests.gui.conftest import family, reference, window  # noqa: F401 - pytest fixtures
from tests.training.conftest import colour_set  # noqa: F401 - pytest fixture
