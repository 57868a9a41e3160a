"""Where the engine runs inside a server process: one case at a time, off the request threads.

A review takes tens of milliseconds of pure Python. Run on every request thread at once, reviews
fight over the interpreter lock and the processor caches, and each takes several times longer
than alone; a single engine thread per process keeps every review at its solo speed and serves
them in the order they were asked for. The same thread prepares proposals ahead of the first
read: a case whose file arrives or changes is queued, so that the physician who opens it gets
the stored proposal instead of waiting for the engine.

Preparing is an optimisation, never a promise: a proposal that was not prepared (the process
stopped, the engine failed) is computed when it is first read, as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger("openimr.workflow")


class EngineLane:
    """A single engine thread with a queue; the same job asked for twice runs once."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openimr-engine")
        self._lock = threading.Lock()
        self._pending: dict[str, Future[int]] = {}
        self._closed = False

    def submit(self, key: str, job: Callable[[], int]) -> Future[int]:
        """Queue ``job`` under ``key``, or return the queued or running job of that key."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the engine lane is shut down")
            future = self._pending.get(key)
            if future is not None:
                return future
            future = self._executor.submit(job)
            self._pending[key] = future
        # Outside the lock: a job that already finished runs the callback right here.
        future.add_done_callback(lambda done: self._forget(key, done))
        return future

    def prepare(self, key: str, job: Callable[[], int]) -> None:
        """Queue ``job`` in the background: a failure is logged, and the read retries it."""
        try:
            future = self.submit(key, job)
        except RuntimeError:
            return
        future.add_done_callback(_log_failure)

    def _forget(self, key: str, done: Future[int]) -> None:
        with self._lock:
            if self._pending.get(key) is done:
                del self._pending[key]

    def join(self, timeout: float | None = None) -> None:
        """Wait until every job queued so far has finished (tests, orderly shutdown)."""
        marker = self._executor.submit(lambda: None)
        marker.result(timeout=timeout)

    def shutdown(self) -> None:
        """Drop queued preparations and stop the thread once the running job ends."""
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)


def _log_failure(future: Future[int]) -> None:
    if future.cancelled():
        return
    error = future.exception()
    if error is not None:
        # Only the kind of failure: the message may quote the case's health information.
        logger.warning(
            "preparing a proposal failed (%s); it will be computed when read", type(error).__name__
        )
