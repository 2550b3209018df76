"""Run Qt-free app jobs on worker threads and deliver their events as signals on the GUI thread.

Jobs go into *lanes*, each a one-thread pool, so jobs of a lane run in order. In a superseding
lane (segmentation) a new request cancels the older ones and bumps the lane's generation; an
event from an older generation is dropped here, so a result for an image the user has already
left is never drawn.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..app.jobs import Job

log = logging.getLogger(__name__)


class _Signals(QObject):
    """Lives on the GUI thread; emitting from the pool thread queues delivery to it."""

    yielded = Signal(int, object)
    errored = Signal(int, str)
    finished = Signal(int)


class _JobRunnable(QRunnable):
    def __init__(self, job: Job, job_id: int, signals: _Signals):
        super().__init__()
        self.setAutoDelete(True)
        self.job, self.job_id, self.signals = job, job_id, signals

    def run(self) -> None:
        try:
            for event in self.job.run():
                self.signals.yielded.emit(self.job_id, event)
        except Exception as exc:  # any failure of a job must reach the user, not kill the thread
            log.exception("job %s failed", self.job.title)
            self.signals.errored.emit(self.job_id, str(exc) or type(exc).__name__)
        finally:
            self.signals.finished.emit(self.job_id)


@dataclass
class _Running:
    lane: str
    generation: int
    job: Job
    signals: _Signals


class JobRunner(QObject):
    """`submit(lane, job)`; listen to `yielded(lane, event)`, `errored(lane, message)`, `finished(lane)`."""

    yielded = Signal(str, object)
    errored = Signal(str, str)
    finished = Signal(str)

    def __init__(self, superseding: tuple[str, ...] = ("segment",), parent: QObject | None = None):
        super().__init__(parent)
        self.superseding = superseding
        self._pools: dict[str, QThreadPool] = {}
        self._generation: dict[str, int] = {}
        self._running: dict[int, _Running] = {}
        self._ids = itertools.count(1)
        self.dropped = 0  # events of superseded requests, thrown away (tests read it)

    def submit(self, lane: str, job: Job) -> int:
        if lane in self.superseding:
            self.cancel(lane)
        job_id = next(self._ids)
        signals = _Signals()
        signals.yielded.connect(self._on_yielded)
        signals.errored.connect(self._on_errored)
        signals.finished.connect(self._on_finished)
        self._running[job_id] = _Running(lane, self._generation.get(lane, 0), job, signals)
        self._pool(lane).start(_JobRunnable(job, job_id, signals))
        return job_id

    def cancel(self, lane: str) -> None:
        """Cancel every job of the lane; what they still yield is dropped."""
        self._generation[lane] = self._generation.get(lane, 0) + 1
        for run in self._running.values():
            if run.lane == lane:
                run.job.cancel()

    def busy(self, lane: str | None = None) -> bool:
        return any(lane is None or r.lane == lane for r in self._running.values())

    def jobs(self, lane: str) -> list[Job]:
        return [r.job for r in self._running.values() if r.lane == lane]

    def shutdown(self, timeout_ms: int = 120_000) -> None:
        """Cancel everything and wait for the threads (a job mid-forward-pass finishes its step; a
        training job saves its checkpoint)."""
        for lane in list(self._pools):
            self.cancel(lane)
        for pool in self._pools.values():
            pool.waitForDone(timeout_ms)

    def _pool(self, lane: str) -> QThreadPool:
        if lane not in self._pools:
            pool = self._pools[lane] = QThreadPool(self)
            pool.setMaxThreadCount(1)
        return self._pools[lane]

    def _current(self, job_id: int) -> _Running | None:
        run = self._running.get(job_id)
        if run is None or run.generation != self._generation.get(run.lane, 0):
            return None
        return run

    def _on_yielded(self, job_id: int, event: object) -> None:
        run = self._current(job_id)
        if run is None:
            self.dropped += 1
            return
        self.yielded.emit(run.lane, event)

    def _on_errored(self, job_id: int, message: str) -> None:
        run = self._current(job_id)
        if run is not None:
            self.errored.emit(run.lane, message)

    def _on_finished(self, job_id: int) -> None:
        run = self._running.pop(job_id, None)
        if run is not None:
            self.finished.emit(run.lane)
