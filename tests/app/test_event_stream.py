"""`stream`: a callback-reporting call as a generator of its events, its value as the return value."""

import pytest

from fcn_studio.app.event_stream import stream
from tests.app.draining import drain




def test_events_come_in_order_and_the_value_is_returned():
    def call(on_event):
        for i in range(3):
            on_event(i)
        return "done"

    assert drain(stream(call, "t", lambda: None)) == ([0, 1, 2], "done")


def test_the_calls_error_is_raised_in_the_consumer():
    def call(on_event):
        on_event("before")
        raise ValueError("bad folder")

    events = []
    with pytest.raises(ValueError, match="bad folder"):
        for event in stream(call, "t", lambda: None):
            events.append(event)
    assert events == ["before"]


def test_abandoning_the_generator_stops_the_call():
    import threading
    stopped = threading.Event()

    def call(on_event):
        while not stopped.is_set():
            on_event("tick")
            stopped.wait(0.01)
        return None

    gen = stream(call, "t", stopped.set)
    assert next(gen) == "tick"
    gen.close()
    assert stopped.is_set()
