"""The evented fields: range first, then one (new, old) signal per real change (#26 item 4)."""

import numpy as np

from fcn_studio.app.session import OpenImage
from fcn_studio.app.view_state import ViewState


def test_values_are_brought_into_range_before_anyone_hears_of_them():
    state, seen = ViewState(), []
    for name in ("opacity", "hidden", "probe", "class_index", "compare"):
        state.events[name].connect(lambda new, old, name=name: seen.append((name, new, old)))
    state.opacity = 4
    state.opacity = 1.0
    state.hidden = [3, 1, 3]
    state.probe = (2.7, 3.2)
    state.class_index = -5
    state.compare = 1
    assert seen == [("opacity", 1.0, 0.5), ("hidden", frozenset({1, 3}), frozenset()), ("probe", (2, 3), None),
                    ("compare", True, False)]  # class_index −5 is 0: unchanged


def test_an_image_is_the_same_while_its_file_is_and_its_pixels_are_never_compared():
    state, seen = ViewState(), []
    state.events.image.connect(lambda new: seen.append(new))
    a = OpenImage("a@1", "a", np.zeros((2, 2, 3), np.uint8))
    state.image = a
    state.image = OpenImage("a@1", "a", np.ones((2, 2, 3), np.uint8))  # same key
    state.image = OpenImage("a@2", "a", np.ones((2, 2, 3), np.uint8))
    state.image = None
    assert [i.key if i else None for i in seen] == ["a@1", "a@2", None]
