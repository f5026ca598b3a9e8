"""A process pool that enforces a hard time limit per file from outside.

tree-sitter holds the GIL, so parallelism needs processes.  The standard
pools cannot stop a task that never returns, and a scanner must survive a
file built to hang its parser: here each worker is a process with its own
pipe, the parent watches every deadline, kills a worker that overruns and
reports that file as not analysed.  Largest files go first so that the
long ones do not end the run alone, at most one *heavy* file is in flight
at a time so that peak memory does not grow with the number of workers,
and a worker that handled a heavy file is replaced so its memory returns
to the system.

Workers are fresh interpreters (``python -m egress.workers``) talking over
pipes, not forked or spawned by ``multiprocessing``: nothing of the
caller's ``__main__`` is re-imported (a library user's script needs no
``if __name__ == "__main__"`` guard), and no lock held by a thread of the
parent (a progress bar) can be inherited.
"""

from __future__ import annotations

import bisect
import importlib
import selectors
import os
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Callable

from egress.model import FileAnalysis, SourceFile


@dataclass(frozen=True)
class Task:
    id: int
    source: SourceFile
    check_only: bool = False    # parse only: the pre-filter proved the file irrelevant


@dataclass(frozen=True)
class PoolLimits:
    time_limit: float = 60.0          # seconds per file, enforced by killing the worker
    heavy_bytes: int = 2 * 2**20      # files above this run one at a time
    batch_bytes: int = 256 * 2**10    # small files travel together: one pipe round trip per batch
    batch_files: int = 64


def analyze_one(source: SourceFile, analyzers: dict, check_only: bool = False) -> FileAnalysis:
    """Run the analyzer that handles ``source``; never raises."""
    from egress.analyzers.registry import analyzer_for

    try:
        analyzer = analyzer_for(source.path, analyzers, source.language)
        if analyzer is None:
            return FileAnalysis(file=source.path)
        return analyzer.check(source) if check_only else analyzer.analyze(source)
    except Exception as exc:  # an analyzer bug must not pass for a clean file
        return FileAnalysis(file=source.path, error=f"analyzer failed: {exc.__class__.__name__}: {exc}")


#: What a worker runs on each file: a module-level function, so it pickles by name.
AnalyzeFunction = Callable[[SourceFile, dict, bool], FileAnalysis]


def _worker_main(conn: Connection, analyze: AnalyzeFunction) -> None:
    """Receive batches of tasks; answer each task as soon as it is done."""
    analyzers: dict = {}
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            return
        if batch is None:
            return
        for task in batch:
            conn.send((task.id, analyze(task.source, analyzers, task.check_only)))


def _function_name(function: Callable) -> str:
    return f"{function.__module__}:{function.__qualname__}"


def _load_function(name: str) -> AnalyzeFunction:
    module, _, qualname = name.partition(":")
    target = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


@dataclass
class _Worker:
    process: subprocess.Popen
    conn: "_Duplex"
    batch: deque = field(default_factory=deque)   # tasks sent and not yet answered, in order
    started: float = 0.0                           # when the current task (batch[0]) began


class WorkerPool:
    """Runs tasks on ``jobs`` worker processes with per-file limits."""

    def __init__(self, jobs: int, limits: PoolLimits = PoolLimits(), analyze: AnalyzeFunction = analyze_one) -> None:
        self.jobs = max(1, jobs)
        self.limits = limits
        self.analyze = analyze

    def _spawn(self) -> _Worker:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        process = subprocess.Popen(
            [sys.executable, "-m", "egress.workers", str(to_child_r), str(from_child_w),
             _function_name(self.analyze)],
            pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL, env=env, close_fds=True,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        return _Worker(process, _Duplex(from_child_r, to_child_w))

    def run(self, tasks: list[Task], on_result: Callable[[int, FileAnalysis], None]) -> None:
        """Analyse every task; each yields exactly one ``on_result`` call."""
        with PoolSession(self, on_result) as session:
            session.add(tasks)
            session.drain()


def _size(task: Task) -> int:
    return len(task.source.data)


class PoolSession:
    """A pool at work: tasks can be added while earlier ones run, workers live until ``close``.

    The engine adds each package's files as soon as they are read, so the
    workers parse while the next package is read, and keeps the workers
    between rounds.  Pending tasks stay sorted by size; the largest goes first.
    """

    def __init__(self, pool: WorkerPool, on_result: Callable[[int, FileAnalysis], None]) -> None:
        self.pool = pool
        self.limits = pool.limits
        self.on_result = on_result
        self.pending: list[Task] = []          # ascending by size: the largest is popped from the end
        self.workers: list[_Worker] = []
        self.heavy_running: set[int] = set()
        self.selector = selectors.DefaultSelector()   # one registration per worker, not per wait

    def __enter__(self) -> "PoolSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, tasks: list[Task]) -> None:
        for task in tasks:
            bisect.insort(self.pending, task, key=_size)
        while len(self.workers) < min(self.pool.jobs, len(self.pending) + self._busy()):
            self.workers.append(self._spawn())
        self.pump(block=False)

    def drain(self) -> None:
        """Wait until every task added so far has its result."""
        while self.pending or self._busy():
            self.pump(block=True)

    def close(self) -> None:
        for worker in self.workers:
            self.selector.unregister(worker.conn)
            _stop(worker)
        self.workers = []
        self.selector.close()

    def _busy(self) -> int:
        return sum(1 for w in self.workers if w.batch)

    def pump(self, block: bool) -> None:
        """Give idle workers work, take the answers that are ready, kill overrunning workers."""
        for worker in self.workers:
            if not worker.batch and self.pending:
                self._dispatch(worker, self._next_batch())
        busy = [w for w in self.workers if w.batch]
        if not busy:
            return
        timeout = min(w.started + self.limits.time_limit for w in busy) - time.monotonic() if block else 0.0
        ready = {key.fileobj for key, _ in self.selector.select(max(0.0, timeout))}
        for index, worker in enumerate(self.workers):
            if not worker.batch:
                if worker.conn in ready:      # an idle worker is readable only once it has died
                    self.workers[index] = self._replace(worker)
                continue
            if worker.conn in ready:
                self.workers[index] = self._collect(worker)
            elif time.monotonic() - worker.started >= self.limits.time_limit:
                error = f"time limit ({self.limits.time_limit:g} s) exceeded"
                self.workers[index] = self._abandon(worker, error)

    def _collect(self, worker: _Worker) -> _Worker:
        """Take every answer the worker has ready; returns the worker (or its replacement)."""
        while worker.batch and worker.conn.poll():
            try:
                task_id, analysis = worker.conn.recv()
            except (EOFError, OSError):
                return self._abandon(worker, "analyzer process crashed")
            task = worker.batch.popleft()
            worker.started = time.monotonic()
            self.on_result(task_id, analysis)
            if task.id in self.heavy_running:
                self.heavy_running.discard(task.id)
                return self._replace(worker)     # give a heavy file's memory back to the system
        return worker

    def _abandon(self, worker: _Worker, error: str) -> _Worker:
        """The current file failed the worker: report it, requeue the rest of its batch."""
        task = worker.batch.popleft()
        self.heavy_running.discard(task.id)
        for rest in worker.batch:
            bisect.insort(self.pending, rest, key=_size)
        worker.batch.clear()
        self.on_result(task.id, FileAnalysis(file=task.source.path, error=error))
        return self._replace(worker)

    def _next_batch(self) -> list[Task]:
        first = self._next()
        if first is None:
            return []
        batch, size = [first], _size(first)
        if size > self.limits.heavy_bytes:
            return batch
        while self.pending and len(batch) < self.limits.batch_files:
            nxt = _size(self.pending[-1])
            if nxt > self.limits.heavy_bytes or size + nxt > self.limits.batch_bytes:
                break
            batch.append(self.pending.pop())
            size += nxt
        return batch

    def _next(self) -> Task | None:
        """The largest pending task, or the largest light one while a heavy file is in flight."""
        if not self.heavy_running or _size(self.pending[-1]) <= self.limits.heavy_bytes:
            return self.pending.pop()
        light = bisect.bisect_right(self.pending, self.limits.heavy_bytes, key=_size)
        return self.pending.pop(light - 1) if light else None

    def _dispatch(self, worker: _Worker, batch: list[Task]) -> None:
        if not batch:
            return
        worker.batch.extend(batch)
        worker.started = time.monotonic()
        for task in batch:
            if _size(task) > self.limits.heavy_bytes:
                self.heavy_running.add(task.id)
        worker.conn.send(batch)

    def _spawn(self) -> _Worker:
        worker = self.pool._spawn()
        self.selector.register(worker.conn, selectors.EVENT_READ)
        return worker

    def _replace(self, worker: _Worker) -> _Worker:
        self.selector.unregister(worker.conn)
        worker.process.kill()
        worker.process.wait()
        worker.conn.close()
        return self._spawn()


def _stop(worker: _Worker) -> None:
    try:
        if not worker.batch:
            worker.conn.send(None)
    except OSError:
        pass
    try:
        worker.process.wait(timeout=1)
    except subprocess.TimeoutExpired:
        worker.process.kill()
        worker.process.wait()
    worker.conn.close()


class _Duplex:
    """A pair of pipe ends used as one connection: receive on one, send on the other."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._reader = Connection(read_fd, writable=False)
        self._writer = Connection(write_fd, readable=False)

    def fileno(self) -> int:
        return self._reader.fileno()

    def poll(self) -> bool:
        return self._reader.poll()

    def recv(self):
        return self._reader.recv()

    def send(self, obj: object) -> None:
        self._writer.send(obj)

    def close(self) -> None:
        self._reader.close()
        self._writer.close()


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent handles Ctrl-C and stops us
    _read_fd, _write_fd, _name = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    try:
        _worker_main(_Duplex(_read_fd, _write_fd), _load_function(_name))
    except (BrokenPipeError, EOFError, OSError):
        pass   # the parent went away: nothing left to report to
