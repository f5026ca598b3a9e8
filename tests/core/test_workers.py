"""The pool enforces limits from outside: a hung or crashed worker costs one file, not the scan."""

from __future__ import annotations

from egress.model import SourceFile
from egress.workers import PoolLimits, Task, WorkerPool

from tests.core.slow_analyzers import hang_on_marker


def _run(datas: dict[str, bytes], time_limit: float = 1.5, jobs: int = 2) -> dict[str, str | None]:
    tasks = [Task(i, SourceFile(path, data)) for i, (path, data) in enumerate(datas.items())]
    got: dict[str, str | None] = {}
    WorkerPool(jobs, PoolLimits(time_limit=time_limit), analyze=hang_on_marker).run(
        tasks, lambda _id, analysis: got.__setitem__(analysis.file, analysis.error))
    return got


def test_hung_file_is_killed_and_reported_and_others_complete() -> None:
    got = _run({"a.js": b"ok", "stuck.js": b"HANG", "b.js": b"ok", "c.js": b"ok"})
    assert got == {"a.js": None, "b.js": None, "c.js": None, "stuck.js": "time limit (1.5 s) exceeded"}


def test_crashed_worker_is_reported_and_replaced() -> None:
    got = _run({"boom.js": b"CRASH", "a.js": b"ok", "b.js": b"ok"}, jobs=1)
    assert got == {"boom.js": "analyzer process crashed", "a.js": None, "b.js": None}


def test_heavy_files_run_one_at_a_time_and_all_finish() -> None:
    big = b"x" * (3 * 2**20)
    got = _run({"big1.js": big, "big2.js": big, "small.js": b"ok"})
    assert got == {"big1.js": None, "big2.js": None, "small.js": None}
