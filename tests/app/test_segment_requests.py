"""Which results are asked for, in which order, and each need once (#26 item 4)."""

import numpy as np

from fcn_studio.app.segment_requests import RequestLog, SegmentRequest, missing_heads
from fcn_studio.app.session import OpenImage


def test_the_shown_head_first_then_the_others_finest_first():
    family = {"32s": "e32", "16s": "e16", "8s": "e8"}
    assert missing_heads(family, "16s", lambda h: False) == ["e16", "e8", "e32"]
    assert missing_heads(family, "32s", lambda h: h == "8s") == ["e32", "e16"]
    assert missing_heads({"16s": "e16"}, "16s", lambda h: True) == []


def test_a_need_is_asked_for_once_until_forgotten_or_met():
    image = OpenImage("k", "a", np.zeros((2, 2, 3), np.uint8))
    log, request = RequestLog(), SegmentRequest(image, (), "cpu", 0)
    assert log.ask(request) is request and log.ask(SegmentRequest(image, (), "cpu", 0)) is None
    assert log.ask(SegmentRequest(image, (), "cpu", 2)) is not None  # another need
    log.forget()
    assert log.ask(SegmentRequest(image, (), "cpu", 2)) is not None
    assert log.ask(None) is None and log.ask(SegmentRequest(image, (), "cpu", 2)) is not None  # met, then missing again
