"""settle_heap: launch's garbage collected, its survivors frozen, later garbage still collected."""

import gc
import weakref

from fcn_studio.gui.app import settle_heap


class Node:
    pass


def cycle() -> weakref.ref:
    node = Node()
    node.me = node  # only the cyclic collector frees it
    return weakref.ref(node)


def test_launch_garbage_is_collected_survivors_frozen_and_later_garbage_still_freed():
    survivor = Node()
    before = cycle()
    try:
        settle_heap()
        assert before() is None  # collected, not frozen for ever
        assert gc.get_freeze_count() > 1000  # the interpreter's, the test's and the libraries' objects
        assert not any(o is survivor for o in gc.get_objects())  # out of the collector's sight
        after = cycle()
        assert after() is not None
        gc.collect()
        assert after() is None
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
