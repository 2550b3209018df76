"""Turn a library call that reports through a callback into a generator of its events.

`fcn_studio.training` reports through `on_event` and stops on a CancelToken; an app job is a
generator. `stream` bridges the two: the call runs on a helper thread, its events go through a
queue and are yielded as they come, and the call's own return value becomes the generator's
(`value = yield from stream(...)`), so a job hands it on as its result.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Generator

_END = object()


def stream(call: Callable[[Callable[[object], None]], Any], title: str,
           stop: Callable[[], None]) -> Generator[object, None, Any]:
    """Run `call(on_event)` on a helper thread; yield its events, return its value (or raise its error).

    Abandoning the generator calls `stop()` (the cancel) before waiting for the thread."""
    events: queue.Queue = queue.Queue()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = call(events.put)
        except BaseException as exc:  # handed to the consuming thread, which raises it
            outcome["error"] = exc
        finally:
            events.put(_END)

    thread = threading.Thread(target=target, name=f"fcn-studio {title}", daemon=True)
    thread.start()
    try:
        while (event := events.get()) is not _END:
            yield event
    finally:
        if thread.is_alive():
            stop()
        thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
