"""One background thread that checks received rounds in order. Uploads only store files and queue
their round; a server stopped while checking leaves the round unfinished, and it is checked again
when the server starts (Store.pending_rounds)."""

from __future__ import annotations

import logging
import queue
import threading
import time

from ..store import Store
from ..store.checking import check_round

log = logging.getLogger("xxgk.web")


class Checker:
    def __init__(self, store: Store, jobs: int | None = None):
        self.store = store
        self.jobs = jobs
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.failed: dict[int, str] = {}

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="xxgk-checker", daemon=True)
        self._thread.start()
        for rid in self.store.pending_rounds():
            self.submit(rid)

    def submit(self, round_id: int) -> None:
        self._queue.put(round_id)

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=60)

    def wait_idle(self, timeout: float = 120) -> bool:
        """True once every queued round is checked (for tests and the benchmark)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.05)
        return False

    def _loop(self) -> None:
        while True:
            rid = self._queue.get()
            try:
                if rid is None:
                    return
                self._check(rid)
            finally:
                self._queue.task_done()

    def _check(self, rid: int) -> None:
        progress = self.store.round_progress(rid)
        if progress is None or progress["done"]:
            return
        last = [0.0]

        def report(done: int, total: int) -> None:
            t = time.monotonic()
            if t - last[0] > 0.3 or done == total:
                last[0] = t
                self.store.set_progress(rid, done)

        try:
            check_round(self.store, rid, jobs=self.jobs, progress=report)
        except Exception as e:  # the round stays unfinished and is retried at the next start
            log.exception("checking round %s failed", rid)
            self.failed[rid] = f"{type(e).__name__}: {e}"[:300]
