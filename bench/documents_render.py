"""Time and memory of the PDF documents, rendered in-process and by real workers.

    .venv/bin/python bench/documents_render.py [--runs N] [--jobs N]

On the demo's largest algorithm (the most data in its snapshot):

    render        each document and the full package, in this process:
                  first (cold) and median warm time, tracemalloc peak, and
                  the process's peak RSS
    click         from the POST of the generate button to a downloadable
                  file, with one worker process; "queue overhead" is that
                  time minus the worker's own render time
    throughput    2 worker processes (solo pool each) working off --jobs
                  package jobs: wall time, jobs per minute, each worker's
                  peak RSS (VmHWM)

Targets (issue, 2-core machine): full package under 3 s and under 300 MB
per worker; queue overhead under 0.5 s.

Without DATABASE_URL the run uses a throwaway SQLite database and
filesystem broker in a temporary SUANBEI_VAR_DIR; with DATABASE_URL (and
REDIS_URL) it uses those, on a queue of its own, and refuses a database
that already holds a workspace "demo" unless --reset is given. A
benchmark prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ("form", "report", "disclosure", "responsibility", "package")


def _pages(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        try:
            out = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True).stdout
        except FileNotFoundError:
            return "?"
    return next((line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")), "?")


def _mb(kib: float) -> str:
    return f"{kib / 1024:6.1f} MB"


class Worker:
    def __init__(self, env: dict, queue: str, name: str):
        self.log: list[str] = []
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool", "solo", "--concurrency", "1", "--loglevel", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                "--queues", queue, "--hostname", f"{name}@%h",
            ],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.log.append(line)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(" ready." in line for line in self.log):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise SystemExit("worker did not start:\n" + "".join(self.log[-30:]))

    def peak_rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="Warm renders per document.")
    parser.add_argument("--clicks", type=int, default=5, help="Timed click-to-download runs.")
    parser.add_argument("--jobs", type=int, default=20, help="Jobs for the throughput run.")
    parser.add_argument("--reset", action="store_true", help="Replace the demo workspace.")
    args = parser.parse_args()

    var_dir = None
    if not os.environ.get("DATABASE_URL"):
        var_dir = tempfile.TemporaryDirectory(prefix="suanbei-bench-")
        os.environ["SUANBEI_VAR_DIR"] = var_dir.name
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "false")  # DEBUG keeps every query in memory
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from assessments.catalogue import ensure_loaded
    from config.celery import app
    from demo.workspace import DEMO_SLUG, load_demo
    from documents.models import DocumentJob, JobStatus
    from documents.render import render
    from documents.services import job_request, prepare
    from filings.interchange import algorithm_snapshot
    from filings.models import Algorithm
    from filings.snapshot import canonical_json
    from workspaces.models import Workspace

    call_command("migrate", verbosity=0)
    if Workspace.objects.filter(slug=DEMO_SLUG).exists() and var_dir is None and not args.reset:
        print("The database already holds the demo workspace; pass --reset.", file=sys.stderr)
        return 2
    ensure_loaded()
    workspace = load_demo(reset=True)
    algorithm = max(
        Algorithm.objects.filter(workspace=workspace),
        key=lambda a: len(canonical_json(algorithm_snapshot(a))),
    )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"broker:   {settings.CELERY_BROKER_URL}")
    print(
        f"algorithm: {algorithm.name} ({len(canonical_json(algorithm_snapshot(algorithm))):,} bytes of snapshot)"
    )
    print()

    # 1. In-process rendering ------------------------------------------------
    prepared = prepare(algorithm)
    print(f"{'document':<16}{'pages':>6}{'size':>10}{'cold':>8}{'warm p50':>10}{'tracemalloc':>14}")
    for document in DOCUMENTS:
        started = time.perf_counter()
        data = render(prepared.snapshot, document, context=prepared.context)
        cold = time.perf_counter() - started
        warm = []
        for _ in range(args.runs):
            started = time.perf_counter()
            render(prepared.snapshot, document, context=prepared.context)
            warm.append(time.perf_counter() - started)
        tracemalloc.start()
        render(prepared.snapshot, document, context=prepared.context)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        pages = _pages(data)
        print(
            f"{document:<16}{pages!s:>6}{len(data) / 1024:>8.0f} K{cold:>7.2f}s"
            f"{statistics.median(warm):>9.2f}s{peak / 2**20:>11.1f} MB"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS of this process after all renders: {_mb(rss)}")
    print()

    # 2. Click to downloadable, one worker -------------------------------------
    queue = f"bench-documents-{uuid.uuid4().hex[:6]}"
    app.conf.update(task_routes={"documents.*": {"queue": queue}}, task_always_eager=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    user = get_user_model().objects.get(username="demo")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    generate = reverse("documents:generate", args=[workspace.slug, algorithm.pk])

    def new_data(tag: str) -> None:
        # A different snapshot each time, so nothing is reused.
        Algorithm.objects.filter(pk=algorithm.pk).update(summary=f"{algorithm.summary}（{tag}）")

    def wait(job_ids: list[int], timeout: float = 300, poll: float = 0.02) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = DocumentJob.objects.filter(pk__in=job_ids).exclude(
                status__in=[JobStatus.DONE, JobStatus.FAILED]
            )
            if not left.exists():
                failed = DocumentJob.objects.filter(pk__in=job_ids, status=JobStatus.FAILED)
                if failed.exists():
                    raise SystemExit(f"jobs failed: {list(failed.values('pk', 'error_detail'))}")
                return
            time.sleep(poll)
        raise SystemExit("jobs did not finish in time")

    worker = Worker(env, queue, f"bench-click-{uuid.uuid4().hex[:4]}")
    try:
        worker.wait_ready()
        totals, renders = [], []
        for i in range(args.clicks + 1):
            new_data(f"click {i}")
            started = time.perf_counter()
            response = client.post(generate, {"document": "package"})
            job_id = int(response["Location"].rstrip("/").split("/")[-1])
            wait([job_id])
            download = client.get(reverse("documents:download", args=[workspace.slug, job_id]))
            assert b"".join(download.streaming_content).startswith(b"%PDF")
            total = time.perf_counter() - started
            job = DocumentJob.objects.get(pk=job_id)
            rendering = (job.finished_at - job.started_at).total_seconds()
            if i == 0:
                print(f"click to downloadable, first job of a fresh worker: {total:.2f} s")
                continue
            totals.append(total)
            renders.append(rendering)
        overheads = [t - r for t, r in zip(totals, renders, strict=True)]
        print(
            f"click to downloadable (package, {args.clicks} runs): p50 {statistics.median(totals):.2f} s, "
            f"max {max(totals):.2f} s; worker render p50 {statistics.median(renders):.2f} s; "
            f"queue overhead p50 {statistics.median(overheads):.2f} s, max {max(overheads):.2f} s"
        )
        print(f"peak RSS of that worker: {_mb(worker.peak_rss_kib())}")
    finally:
        worker.stop()
    print()

    # 3. Throughput of two worker processes ------------------------------------
    workers = [Worker(env, queue, f"bench-{n}-{uuid.uuid4().hex[:4]}") for n in (1, 2)]
    try:
        for w in workers:
            w.wait_ready()
        job_ids = []
        started = time.perf_counter()
        for i in range(args.jobs):
            new_data(f"throughput {i}")
            job_ids.append(job_request(algorithm=algorithm, document="package", user=user).pk)
        wait(job_ids, poll=0.25)
        wall = time.perf_counter() - started
        jobs = DocumentJob.objects.filter(pk__in=job_ids)
        per_job = [(j.finished_at - j.started_at).total_seconds() for j in jobs]
        by_worker: dict[str, int] = {}
        for j in jobs:
            by_worker[j.claimed_by] = by_worker.get(j.claimed_by, 0) + 1
        print(
            f"throughput, 2 workers, {args.jobs} package jobs: {wall:.1f} s wall, "
            f"{args.jobs / wall * 60:.1f} jobs/min; render per job p50 {statistics.median(per_job):.2f} s, "
            f"max {max(per_job):.2f} s; jobs per worker {sorted(by_worker.values())}"
        )
        for n, w in enumerate(workers, start=1):
            print(f"peak RSS of worker {n}: {_mb(w.peak_rss_kib())}")
    finally:
        for w in workers:
            w.stop()
        app.conf.update(task_routes=None)
    if var_dir is not None:
        var_dir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
