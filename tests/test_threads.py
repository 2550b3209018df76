"""Background threads lower their own priority, and what they start inherits it."""

import sys
import threading

import pytest
import torch

from fcn_studio.threads import BACKGROUND_NICE, lower_thread_priority, thread_priority

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux keeps a nice value per thread")


def on_a_thread(work):
    """Run `work` on a new thread and return what it returned."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("value", work()))
    thread.start()
    thread.join()
    return box["value"]


@linux_only
def test_a_thread_lowers_only_itself_and_what_it_starts_inherits_it():
    before = thread_priority()

    def lowered():
        done = lower_thread_priority()
        child = on_a_thread(thread_priority)  # a thread it starts (as PyTorch's pool or a job's helper)
        return done, thread_priority(), child

    done, inside, child = on_a_thread(lowered)
    assert done and inside == max(before, BACKGROUND_NICE) and child == inside
    assert thread_priority() == before  # the caller (the GUI thread) keeps its own


@linux_only
def test_lowering_never_raises_a_thread_already_lower():
    def twice():
        lower_thread_priority(15)
        lower_thread_priority(10)
        return thread_priority()

    assert on_a_thread(twice) == 15


@linux_only
def test_pytorchs_threads_of_a_lowered_thread_run_below_the_window():
    """The OpenMP team a lowered thread's first parallel op starts has its nice value too (read
    while the thread lives: the team ends with it)."""
    import os
    own = {int(t) for t in os.listdir("/proc/self/task")}

    def team_nices():
        lower_thread_priority()
        x = torch.randn(1, 64, 128, 128)
        torch.nn.functional.conv2d(x, torch.randn(64, 64, 3, 3))
        started = {int(t) for t in os.listdir("/proc/self/task")} - own
        return [os.getpriority(os.PRIO_PROCESS, tid) for tid in started]

    nices = on_a_thread(team_nices)
    assert nices and all(n == BACKGROUND_NICE for n in nices)  # the thread itself and its team
    if torch.get_num_threads() > 1:
        assert len(nices) >= 2
