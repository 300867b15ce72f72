"""A resumable, concurrent, append-only job runner shared by ``synth`` and ``restyle``.

Each input row becomes a job with a *key* (a content hash of the row plus everything that changes the
output: prompt version, model, options). Workers run jobs on a bounded thread pool; only the main thread
writes, one fsynced line per result, to the output file or the failures file. On start, both files are
read back: a key that is in the output, or in the failures file as a final failure, is skipped with no
LLM call. A transient failure (the server kept failing) is written with ``"final": false`` and retried
on the next run. A crash can leave at most one partial last line, which is cut off and redone. Once a
row is written, or fails again, its older ``"final": false`` entries are dropped from the failures file,
so that file lists only what still needs a rerun and why.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instructret.atomic import write_text_atomic
from instructret.data.jsonl import JsonlAppender, iter_json_lines, iter_text_lines, parse_json_line, repair_partial_tail
from instructret.progress import progress_bar


def content_hash(obj: Any) -> str:
    """A stable SHA-256 (hex, 16 chars) of a JSON-serialisable object, independent of key order."""
    data = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


@dataclass
class Failure:
    """Why a job (or one style of it) failed.

    Attributes:
        reason: A short reason, e.g. ``"verification failed: view B ..."``.
        final: False for server trouble (retry on the next run), True for a bad or rejected answer.
        stage: Which step failed (``reverse``, ``verify``, ``style``, ...).
        style: The style, when only that style failed (the row itself is still written).
        candidate: What the LLM produced that was rejected (written to the failures file for review).
    """

    reason: str
    final: bool = True
    stage: str = ""
    style: str | None = None
    candidate: dict[str, Any] | None = None


@dataclass
class Outcome:
    """What one job produced: the output row (or None) and any failures."""

    row: dict[str, Any] | None
    failures: list[Failure] = field(default_factory=list)
    kept_styles: tuple[str, ...] = ()


@dataclass
class Job:
    """One unit of work: its key, where it came from, and the payload handed to the worker."""

    key: str
    line: int | None
    payload: Any
    label: str = ""


@dataclass
class RunCounts:
    """What a run did. ``done + failed + transient + skipped + duplicates == total``."""

    total: int = 0
    done: int = 0
    failed: int = 0
    transient: int = 0
    skipped: int = 0
    skipped_failed: int = 0
    duplicates: int = 0
    reasons: Counter = field(default_factory=Counter)

    def status(self) -> str:
        """One-line progress status."""
        return (
            f"done {self.done} · failed {self.failed + self.transient} · "
            f"skipped {self.skipped + self.skipped_failed + self.duplicates}"
        )


@dataclass
class RunSummary:
    """The result of a synthesis or restyle run: counts, per-style counts, tokens, files and time."""

    out: Path
    failures: Path
    model: str
    counts: RunCounts = field(default_factory=RunCounts)
    styles: dict[str, Counter] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def count_styles(self, job: Job, outcome: Outcome) -> None:
        """Tally kept and failed styles of one outcome (used as ``run_jobs(on_result=...)``)."""
        for name in outcome.kept_styles:
            self.styles.setdefault(name, Counter())["kept"] += 1
        for f in outcome.failures:
            if f.style:
                self.styles.setdefault(f.style, Counter())["failed: " + f.reason.split(":")[0]] += 1

    def run(
        self,
        client: Any,
        close_client: bool,
        jobs: Iterable[Job],
        work: Callable[[Any], Outcome],
        key_field: str,
        total: int,
        concurrency: int | None,
        description: str,
        progress: bool,
    ) -> RunSummary:
        """Run the jobs with :func:`run_jobs` into this summary's files and record counts, time and tokens.

        Args:
            client: The LLM client the work calls (its ``config.concurrency`` is the default, its ``usage``
                is recorded).
            close_client: Close the client afterwards (it was made for this run).
            jobs: The jobs, in input order.
            work: Does one job.
            key_field: The output field that holds a job's key.
            total: Number of jobs, for the progress bar.
            concurrency: Requests in flight; None for the client's own setting.
            description: Progress-bar label.
            progress: Show progress.

        Returns:
            This summary.
        """
        start = time.perf_counter()
        try:
            self.counts = run_jobs(jobs, work, self.out, self.failures, key_field=key_field, total=total,
                                   concurrency=concurrency or client.config.concurrency, description=description,
                                   progress=progress, on_result=self.count_styles)
        finally:
            self.seconds = time.perf_counter() - start
            self.usage = client.usage.as_dict()
            if close_client:
                client.close()
        return self

    @property
    def rows_per_second(self) -> float:
        """Finished rows (written or failed) per second of this run."""
        c = self.counts
        return (c.done + c.failed + c.transient) / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Everything as plain JSON-serialisable values."""
        c = self.counts
        return {
            "out": str(self.out),
            "failures": str(self.failures),
            "model": self.model,
            "total": c.total,
            "done": c.done,
            "failed": c.failed,
            "transient": c.transient,
            "skipped": c.skipped,
            "skipped_failed": c.skipped_failed,
            "duplicates": c.duplicates,
            "reasons": dict(c.reasons),
            "styles": {k: dict(v) for k, v in self.styles.items()},
            "usage": dict(self.usage),
            "seconds": round(self.seconds, 3),
        }


def _known_keys(out: Path, failures: Path, key_field: str) -> tuple[set[str], set[str]]:
    done: set[str] = set()
    failed: set[str] = set()
    if out.exists():
        for _, obj in iter_json_lines(out, allow_empty=True):
            if isinstance(obj.get(key_field), str):
                done.add(obj[key_field])
    if failures.exists():
        for _, obj in iter_json_lines(failures, allow_empty=True):
            if obj.get("final") and not obj.get("style") and isinstance(obj.get("key"), str):
                failed.add(obj["key"])
    return done, failed


def compact_failures(failures: str | Path, done: set[str]) -> int:
    """Drop stale row-level ``"final": false`` entries from a failures file.

    An entry is stale when its row has been written since (its key is in ``done``) or when a later entry
    for the same row supersedes it. Final failures and per-style entries are kept. The file is rewritten
    atomically, and only when something is dropped.

    Returns:
        The number of entries dropped.
    """
    failures = Path(failures)
    if not failures.is_file():
        return 0
    lines = [(text, parse_json_line(text, failures, n) if text.strip() else None)
             for n, text in iter_text_lines(failures)]
    last: dict[str, int] = {}
    for i, (_, obj) in enumerate(lines):
        if obj is not None and not obj.get("style") and isinstance(obj.get("key"), str):
            last[obj["key"]] = i

    def stale(i: int, obj: dict[str, Any] | None) -> bool:
        if obj is None or obj.get("final") is not False or obj.get("style") or not isinstance(obj.get("key"), str):
            return False
        return obj["key"] in done or last[obj["key"]] != i

    keep = [text for i, (text, obj) in enumerate(lines) if not stale(i, obj)]
    dropped = len(lines) - len(keep)
    if dropped:
        write_text_atomic(failures, "".join(keep))
    return dropped


def run_jobs(
    jobs: Iterable[Job],
    work: Callable[[Any], Outcome],
    out: str | Path,
    failures: str | Path,
    key_field: str,
    total: int | None = None,
    concurrency: int = 4,
    description: str = "working",
    progress: bool = True,
    on_result: Callable[[Job, Outcome], None] | None = None,
) -> RunCounts:
    """Run ``work(job.payload)`` for every job not already finished, appending results as they come.

    Args:
        jobs: The jobs, in input order.
        work: Does one job; returns an :class:`Outcome`. Exceptions other than an
            :class:`~instructret.errors.InstructretError` are bugs and stop the run.
        out: Output JSONL; each row gets ``row[key_field] = job.key``.
        failures: Failures JSONL; one line per failure with ``key``, ``line``, ``reason``, ``final``.
        key_field: Name of the key field in output rows.
        total: Number of jobs, for the progress bar.
        concurrency: Jobs in flight at once.
        description: Progress-bar label.
        progress: Show the progress bar.
        on_result: Called in the main thread after each outcome is written (for extra counting).

    Returns:
        The counts of this run.
    """
    out, failures = Path(out), Path(failures)
    counts = RunCounts()
    # Cut off any partial last line first, so the read-back sees whole rows.
    repair_partial_tail(out)
    repair_partial_tail(failures)
    done, failed_final = _known_keys(out, failures, key_field)
    compact_failures(failures, done)  # after an interrupted run
    written: set[str] = set()
    with JsonlAppender(out) as w_out, JsonlAppender(failures) as w_fail:
        seen: set[str] = set()

        def record(job: Job, outcome: Outcome) -> None:
            # The row goes first: a crash after it leaves the job done, never lost.
            if outcome.row is not None:
                w_out.write({**outcome.row, key_field: job.key})
                written.add(job.key)
                counts.done += 1
            for f in outcome.failures:
                entry: dict[str, Any] = {"key": job.key, "line": job.line, "input": job.label, "stage": f.stage}
                if f.style:
                    entry["style"] = f.style
                entry.update({"reason": f.reason, "final": f.final})
                if f.candidate:
                    entry["candidate"] = f.candidate
                w_fail.write(entry)
                if not f.style:  # style failures are tallied per style by the summary
                    counts.reasons[f.reason.split(":")[0]] += 1
            if outcome.row is None:
                if any(not f.final for f in outcome.failures):
                    counts.transient += 1
                else:
                    counts.failed += 1
            if on_result:
                on_result(job, outcome)

        with progress_bar(description, total=total, disable=not progress) as advance:
            executor = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="instructret")
            pending: dict[Future, Job] = {}

            def drain(block_until: int) -> None:
                while len(pending) > block_until:
                    finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                    for fut in finished:
                        job = pending.pop(fut)
                        record(job, fut.result())
                        advance(1, counts.status())

            try:
                for job in jobs:
                    counts.total += 1
                    if job.key in done:
                        counts.skipped += 1
                    elif job.key in failed_final:
                        counts.skipped_failed += 1
                    elif job.key in seen:
                        counts.duplicates += 1
                    else:
                        seen.add(job.key)
                        pending[executor.submit(work, job.payload)] = job
                        drain(2 * max(1, concurrency))
                        continue
                    advance(1, counts.status())
                drain(0)
            finally:
                # On Ctrl-C or a fatal error: drop queued jobs; finished rows are already on disk.
                executor.shutdown(wait=True, cancel_futures=True)
    compact_failures(failures, done | written)
    return counts
