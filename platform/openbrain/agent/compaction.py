"""Compaction: sessions under the ``summary`` policy get their oldest messages summarised
after a turn commits, on a worker thread, never on the turn's path.

A step reads the summary in force (one get) and the messages it takes in (one query; which
ones: :mod:`openbrain.agent.memory.window`), asks the profile's model for the updated
summary, and stores it only if the summary it read is still in force (optimistic check):
two workers on one range store one summary. A failed model call keeps the previous summary;
the next turn schedules it again (after a pause, so a failing model is not asked on every
turn). A process that stops with work queued loses nothing either: the next turn of the
session finds the backlog and schedules it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import structlog

from openbrain.agent.memory.summarise import summarise
from openbrain.agent.memory.window import compaction_due, compaction_end
from openbrain.agent.models import ModelFactory
from openbrain.domain.base import utcnow
from openbrain.domain.errors import ConflictError
from openbrain.domain.session import ChatSession, MemorySummary
from openbrain.store.tenant_store import TenantStore

__all__ = ("Compactor",)

log = structlog.get_logger("openbrain.agent.memory")

MAX_STEP = 200  # messages one summary call takes in; a longer backlog takes several steps
RETRY_AFTER = 30.0  # seconds before a session whose summary failed is tried again
_MAX_QUEUED = 1000  # sessions waiting (or pausing after a failure); more: their next turn
Clock = Callable[[], datetime]


class Compactor:
    """Summarises sessions in the background; one instance serves every tenant."""

    def __init__(self, models: ModelFactory, *, clock: Clock = utcnow, workers: int = 1) -> None:
        self._models = models
        self._clock = clock
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._queued: dict[tuple[str, str], Future[None]] = {}
        self._failed: dict[tuple[str, str], float] = {}

    def schedule(self, store: TenantStore, session: ChatSession,
                 summary: MemorySummary | None) -> bool:
        """Queue a compaction of ``session`` (as just committed) if it is due; no I/O here.
        Returns whether one was queued (one per session at a time)."""
        if not self.due(store, session, summary):
            return False
        key = (store.client_id, session.session_id)
        with self._lock:
            if key in self._queued or len(self._queued) >= _MAX_QUEUED:
                return False
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="ob-compact")
            self._queued[key] = self._pool.submit(self._run, store, session, key)
        return True

    def due(self, store: TenantStore, session: ChatSession,
            summary: MemorySummary | None) -> bool:
        """Whether ``session`` needs a summary step now: its backlog reached the threshold
        and its last summary call did not fail in the past :data:`RETRY_AFTER` seconds."""
        if not compaction_due(session, summary):
            return False
        with self._lock:
            failed = self._failed.get((store.client_id, session.session_id))
        return failed is None or time.monotonic() - failed >= RETRY_AFTER

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for the queued compactions (tests, and a process about to stop)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._queued.values())
            if not pending:
                return
            for future in pending:
                future.exception(max(0.0, deadline - time.monotonic()))

    def close(self, timeout: float = 10.0) -> None:
        """Finish the queued work within ``timeout``; what is left is redone by later turns."""
        try:
            self.drain(timeout)
        except TimeoutError:
            log.warning("memory.compaction_unfinished", queued=len(self._queued))
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, store: TenantStore, session: ChatSession, key: tuple[str, str]) -> None:
        try:
            while self.compact(store, session) is not None:
                pass
        except Exception as exc:  # a worker never dies: the next turn schedules it again
            log.warning("memory.compaction_failed", client_id=store.client_id,
                        session_id=session.session_id, error=type(exc).__name__)
        finally:
            with self._lock:
                self._queued.pop(key, None)

    def compact(self, store: TenantStore, session: ChatSession) -> MemorySummary | None:
        """One step: the summary brought forward by up to :data:`MAX_STEP` messages, stored.
        ``None`` when nothing was due, the model failed (the previous summary stays in
        force) or another worker stored this range first."""
        started = time.perf_counter()
        previous = store.memory.latest(session.session_id)
        if not compaction_due(session, previous):
            return None
        first = previous.through_seq + 1 if previous else 0
        last = min(compaction_end(session), first + MAX_STEP - 1)
        messages = store.memory.messages(session.session_id, first, last)
        choice = self._models.for_config(session.config)
        key = (store.client_id, session.session_id)
        try:
            made = summarise(choice.model, previous.text if previous else None, messages)
        except Exception as exc:
            with self._lock:
                if len(self._failed) >= _MAX_QUEUED:
                    self._failed.clear()  # forgetting a pause costs one early retry
                self._failed[key] = time.monotonic()
            log.warning("memory.summary_failed", client_id=store.client_id,
                        session_id=session.session_id, model=choice.name,
                        error=type(exc).__name__)
            return None
        with self._lock:
            self._failed.pop(key, None)
        now = self._clock()
        summary = MemorySummary(
            client_id=store.client_id, session_id=session.session_id, through_seq=last,
            text=made.text, model=choice.name, input_tokens=made.input_tokens,
            output_tokens=made.output_tokens,
            version=previous.version + 1 if previous else 1, created_at=now,
        )
        stored = True
        try:
            store.memory.save(summary, session.expires_at)
        except ConflictError:
            stored = False
        self._record_usage(store, session, now, made.input_tokens, made.output_tokens)
        log.info("memory.compacted" if stored else "memory.compaction_superseded",
                 client_id=store.client_id, session_id=session.session_id,
                 through_seq=last, messages=len(messages), model=choice.name,
                 input_tokens=made.input_tokens, output_tokens=made.output_tokens,
                 ms=round((time.perf_counter() - started) * 1000, 2))
        return summary if stored else None

    @staticmethod
    def _record_usage(store: TenantStore, session: ChatSession, now: datetime,
                      input_tokens: int, output_tokens: int) -> None:
        """The summary's tokens count like a turn's (the model was paid either way)."""
        try:
            store.usage.record(now.date().isoformat(), session.profile_name, turns=0,
                               input_tokens=input_tokens, output_tokens=output_tokens,
                               spread=session.session_id)
        except Exception as exc:
            log.warning("usage.record_failed", client_id=store.client_id,
                        error=type(exc).__name__)
