"""Job handles: each submit has its own yielded / returned / errored / finished signals and cancel."""

import sys
import threading

import pytest

from fcn_studio.app.jobs import CancelToken, Job, Lane
from fcn_studio.gui.worker import JobRunner

WAIT_MS = 10000


class Counting(Job):
    """Yields 1, 2, …, n, returns their sum; held at `gate` before each step when given one."""

    lane = Lane.SEGMENT

    def __init__(self, n: int, gate: threading.Event | None = None, lane: Lane = Lane.SEGMENT):
        self.n, self.gate, self.lane = n, gate, lane

    def run(self, cancel: CancelToken | None = None):
        total = 0
        for i in range(1, self.n + 1):
            if self.gate is not None:
                self.gate.wait(5)
            if cancel is not None and cancel.cancelled:
                return -total
            total += i
            yield i
        return total


class UntilCancelled(Job):
    """Yields a step every few ms until its token is cancelled; returns how many it made."""

    lane = Lane.TRAIN

    def run(self, cancel: CancelToken | None = None):
        steps = 0
        while not cancel.cancelled and steps < 1000:
            steps += 1
            yield steps
            threading.Event().wait(0.005)
        return steps


class Failing(Job):
    lane = Lane.BATCH

    def run(self, cancel=None):
        yield "first"
        raise RuntimeError("disk full (simulated)")


@pytest.fixture
def runner(qtbot):
    runner = JobRunner()
    yield runner
    runner.shutdown()


def record(handle):
    seen = {"yielded": [], "returned": [], "errored": [], "finished": 0}
    handle.yielded.connect(seen["yielded"].append)
    handle.returned.connect(seen["returned"].append)
    handle.errored.connect(seen["errored"].append)
    handle.finished.connect(lambda: seen.__setitem__("finished", seen["finished"] + 1))
    return seen


def test_a_handle_delivers_events_then_the_return_value_then_finished(qtbot, runner):
    seen = {"yielded": [], "returned": [], "order": []}
    handle = runner.submit(Counting(3), yielded=lambda e: seen["order"].append(("y", e)),
                           returned=lambda v: seen["order"].append(("r", v)),
                           finished=lambda: seen["order"].append(("f", None)))
    assert handle.lane is Lane.SEGMENT and runner.busy(Lane.SEGMENT) and runner.handles() == [handle]
    qtbot.waitUntil(lambda: not runner.busy(), timeout=WAIT_MS)
    assert seen["order"] == [("y", 1), ("y", 2), ("y", 3), ("r", 6), ("f", None)]


def test_an_error_reaches_the_handle_after_the_events_before_it(qtbot, runner):
    handle = runner.submit(Failing())
    seen = record(handle)
    qtbot.waitUntil(lambda: seen["finished"] == 1, timeout=WAIT_MS)
    assert seen["yielded"] == ["first"] and seen["returned"] == []
    [problem] = seen["errored"]  # the exception itself crosses the boundary: its kind and file reach the dialog
    assert isinstance(problem, RuntimeError) and str(problem) == "disk full (simulated)"


def test_a_newer_job_in_a_superseding_lane_drops_the_older_ones_output(qtbot, runner):
    gate = threading.Event()
    old = runner.submit(Counting(3, gate))
    old_seen = record(old)
    new = runner.submit(Counting(2))
    new_seen = record(new)
    assert old.superseded and old.cancelled and not new.cancelled
    gate.set()
    qtbot.waitUntil(lambda: not runner.busy(), timeout=WAIT_MS)
    assert old_seen["yielded"] == old_seen["returned"] == [] and old_seen["finished"] == 1
    assert new_seen["yielded"] == [1, 2] and new_seen["returned"] == [3]
    assert runner.dropped == 1  # the old job's return value; it stopped before yielding anything


def test_cancel_through_the_handle_stops_the_job_and_still_delivers_how_it_ended(qtbot, runner):
    handle = runner.submit(UntilCancelled())
    seen = record(handle)
    qtbot.waitUntil(lambda: len(seen["yielded"]) >= 2, timeout=WAIT_MS)
    handle.cancel()
    qtbot.waitUntil(lambda: seen["finished"] == 1, timeout=WAIT_MS)
    assert not handle.superseded and seen["returned"] == [seen["yielded"][-1]] and seen["returned"][0] < 1000


def test_jobs_of_other_lanes_are_not_superseded_and_submitted_is_announced(qtbot, runner):
    announced = []
    runner.submitted.connect(announced.append)
    a, b = runner.submit(Counting(1, lane=Lane.TRAIN)), runner.submit(Counting(1, lane=Lane.TRAIN))
    assert announced == [a, b] and not a.superseded
    qtbot.waitUntil(lambda: not runner.busy(Lane.TRAIN), timeout=WAIT_MS)
    with pytest.raises(TypeError, match="no signal 'done'"):
        runner.submit(Counting(1), done=print)


def test_lanes_say_whether_they_supersede():
    assert [lane for lane in Lane if lane.supersedes] == [Lane.SEGMENT, Lane.CHECK, Lane.LIVE]
    assert not Lane.SAVE.supersedes  # every painted mask is written, in order


class Priority(Job):
    """Yields the nice value its thread runs at."""

    lane = Lane.SEGMENT

    def run(self, cancel=None):
        from fcn_studio.threads import thread_priority
        yield thread_priority()
        return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux keeps a nice value per thread")
@pytest.mark.parametrize("lane", [Lane.SEGMENT, Lane.TRAIN, Lane.OPEN])
def test_jobs_run_below_the_window_in_every_lane(qtbot, runner, lane):
    from fcn_studio.threads import BACKGROUND_NICE, thread_priority
    job = Priority()
    job.lane = lane
    seen = record(runner.submit(job))
    qtbot.waitUntil(lambda: seen["finished"] == 1, timeout=WAIT_MS)
    assert seen["yielded"] == [max(thread_priority(), BACKGROUND_NICE)] and thread_priority() < BACKGROUND_NICE
