"""Run Qt-free app jobs on worker threads, each behind a handle with its own signals.

`JobRunner.submit(job, yielded=..., returned=...)` returns a `JobHandle` (superqt's
`GeneratorWorker` shape): `yielded(event)` per event of the job's generator, `returned(value)` with
its return value, `errored(exception)` if it raised (the exception object itself: its file and kind
reach the dialog), `finished()` in every case, all delivered on the
GUI thread. The handle owns the CancelToken the job checks; `cancel()` asks the job to stop and
still delivers how it ended (a training job reports its checkpoint), `supersede()` also drops
whatever the job still sends.

Jobs run in their `Lane`, each a one-thread pool, so a lane's jobs run in order. In a superseding
lane (segmentation, the dataset check) a new job supersedes the older ones: a result for an image
the user has already left is never drawn.
"""

from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal

from ..app.jobs import CancelToken, Job, Lane
from ..threads import lower_thread_priority

log = logging.getLogger(__name__)

SIGNALS = ("yielded", "returned", "errored", "finished")


class _Relay(QObject):
    """Lives on the GUI thread; emitting from the pool thread queues delivery to its receivers."""

    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()


class _JobRunnable(QRunnable):
    def __init__(self, job: Job, token: CancelToken, relay: _Relay):
        super().__init__()
        self.setAutoDelete(True)
        self.job, self.token, self.relay = job, token, relay

    def run(self) -> None:
        # Below the window: a job's forward passes and training steps must not starve the GUI thread.
        QThread.currentThread().setPriority(QThread.Priority.LowPriority)  # Windows and macOS
        lower_thread_priority()  # Linux, where Qt's priorities do nothing for ordinary threads
        generator = self.job.run(self.token)
        try:
            while True:
                try:
                    event = next(generator)
                except StopIteration as stop:
                    self.relay.returned.emit(stop.value)
                    break
                self.relay.yielded.emit(event)
        except Exception as exc:  # any failure of a job must reach the user, not kill the thread
            log.exception("job %s failed", self.job.title)
            self.relay.errored.emit(exc)
        finally:
            self.relay.finished.emit()


class JobHandle(QObject):
    """One submitted job: its signals, its cancel token, and whether it was superseded."""

    yielded = Signal(object)
    returned = Signal(object)
    errored = Signal(object)
    finished = Signal()

    def __init__(self, job: Job, runner: "JobRunner"):
        super().__init__(runner)
        self.job, self.lane, self.runner = job, job.lane, runner
        self.token = CancelToken()
        self.superseded = False
        self.running = True
        self.relay = _Relay(self)
        self.relay.yielded.connect(self._on_yielded)
        self.relay.returned.connect(self._on_returned)
        self.relay.errored.connect(self._on_errored)
        self.relay.finished.connect(self._on_finished)

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    def cancel(self) -> None:
        """Ask the job to stop at its next check; what it still sends is delivered."""
        self.token.cancel()

    def supersede(self) -> None:
        """Cancel, and drop whatever the job still sends (its answer is no longer wanted)."""
        self.superseded = True
        self.token.cancel()

    def _on_yielded(self, event: object) -> None:
        if self.superseded:
            self.runner.dropped += 1
        else:
            self.yielded.emit(event)

    def _on_returned(self, value: object) -> None:
        if self.superseded:
            self.runner.dropped += 1
        else:
            self.returned.emit(value)

    def _on_errored(self, exc: BaseException) -> None:
        if not self.superseded:
            self.errored.emit(exc)

    def _on_finished(self) -> None:
        self.running = False
        self.runner._forget(self)
        self.finished.emit()
        self.deleteLater()


class JobRunner(QObject):
    """Submits jobs into their lanes and keeps their handles until they finish."""

    submitted = Signal(object)  # JobHandle, after the submitter's connections, before it starts

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pools: dict[Lane, QThreadPool] = {}
        self._handles: list[JobHandle] = []
        self.dropped = 0  # events and results of superseded jobs, thrown away (tests read it)

    def submit(self, job: Job, **connect: Callable) -> JobHandle:
        """Start `job` in its lane; `connect` maps signal names (yielded, returned, errored,
        finished) to callables, connected before the job can send anything."""
        if job.lane.supersedes:
            self.cancel(job.lane)
        handle = JobHandle(job, self)
        for name, slot in connect.items():
            if name not in SIGNALS:
                raise TypeError(f"a job handle has no signal {name!r} (it has {', '.join(SIGNALS)})")
            getattr(handle, name).connect(slot)
        self._handles.append(handle)
        self.submitted.emit(handle)
        self._pool(job.lane).start(_JobRunnable(job, handle.token, handle.relay))
        return handle

    def cancel(self, lane: Lane) -> None:
        """Supersede every job of the lane: each stops at its next check, what it sends is dropped."""
        for handle in self.handles(lane):
            handle.supersede()

    def handles(self, lane: Lane | None = None) -> list[JobHandle]:
        return [h for h in self._handles if lane is None or h.lane is lane]

    def busy(self, lane: Lane | None = None) -> bool:
        return bool(self.handles(lane))

    def shutdown(self, timeout_ms: int = 120_000) -> None:
        """Supersede everything and wait for the threads (a job mid-forward-pass finishes its step;
        a training job saves its checkpoint)."""
        for handle in self.handles():
            handle.supersede()
        for pool in self._pools.values():
            pool.waitForDone(timeout_ms)

    def _forget(self, handle: JobHandle) -> None:
        if handle in self._handles:
            self._handles.remove(handle)

    def _pool(self, lane: Lane) -> QThreadPool:
        if lane not in self._pools:
            pool = self._pools[lane] = QThreadPool(self)
            pool.setMaxThreadCount(1)
        return self._pools[lane]
