"""Fixtures of the document tests: the demo data, PDF inspection with
poppler's tools, and a real Celery worker in its own process.

A worker process cannot see SQLite's in-memory test database, so
`shared_db` copies it to a file that this process and the worker then both
use for the duration of the test; PostgreSQL's test database is shared by
name. The broker is the configured one (the filesystem transport by
default, Redis with REDIS_URL), on a queue of the test's own.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent.parent
POPPLER = ("pdftotext", "pdffonts", "pdftoppm")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is missing: install Debian's poppler-utils (apt-get install poppler-utils)"
        )
    return path


def _run(args: list[str], data: bytes, tmp: Path) -> bytes:
    pdf = tmp / f"{uuid.uuid4().hex}.pdf"
    pdf.write_bytes(data)
    try:
        return subprocess.run(
            [*args, str(pdf), "-"], check=True, capture_output=True, timeout=60
        ).stdout
    finally:
        pdf.unlink(missing_ok=True)


@pytest.fixture
def pdf(tmp_path):
    """Read a PDF the way a person would check it: its text, its fonts, its first page as an image."""

    class Inspect:
        @staticmethod
        def text(data: bytes, *options: str) -> str:
            return _run([_tool("pdftotext"), "-enc", "UTF-8", *options], data, tmp_path).decode()

        @staticmethod
        def pages(data: bytes) -> list[str]:
            pages = Inspect.text(data).split("\f")
            return [p for p in pages if p.strip()]

        @staticmethod
        def fonts(data: bytes) -> list[dict]:
            path = tmp_path / "fonts.pdf"
            path.write_bytes(data)
            out = subprocess.run(
                [_tool("pdffonts"), str(path)], check=True, capture_output=True, timeout=60
            ).stdout.decode()
            lines = out.splitlines()[2:]
            rows = []
            for line in lines:
                # name, type (may hold spaces), encoding, emb, sub, uni, object, id
                parts = line.split()
                rows.append(
                    {
                        "name": parts[0],
                        "type": " ".join(parts[1:-6]),
                        "emb": parts[-5],
                        "line": line,
                    }
                )
            return rows

        @staticmethod
        def first_page(data: bytes, dpi: int = 40):
            from PIL import Image

            path = tmp_path / "page.pdf"
            path.write_bytes(data)
            png = subprocess.run(
                [
                    _tool("pdftoppm"),
                    "-png",
                    "-r",
                    str(dpi),
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(path),
                ],
                check=True,
                capture_output=True,
                timeout=60,
            ).stdout
            return Image.open(io.BytesIO(png))

        @staticmethod
        def bbox(data: bytes) -> str:
            return Inspect.text(data, "-bbox")

        @staticmethod
        def outline(data: bytes) -> list[str]:
            """The titles of the PDF's bookmarks (and of its /Info), read from its streams."""
            streams = []
            for match in re.finditer(rb"stream\r?\n", data):
                end = data.find(b"endstream", match.end())
                try:
                    streams.append(zlib.decompress(data[match.end() : end]))
                except zlib.error:
                    continue
            blob = b"\n".join([data, *streams])
            if b"/Outlines" not in blob:
                return []
            titles = []
            for raw in re.findall(rb"/Title\s*(<[0-9a-fA-F]+>|\((?:\\.|[^\\)])*\))", blob):
                if raw.startswith(b"<"):
                    value = bytes.fromhex(raw[1:-1].decode())
                    titles.append(
                        value[2:].decode("utf-16-be")
                        if value.startswith(b"\xfe\xff")
                        else value.decode("latin-1")
                    )
                else:
                    titles.append(raw[1:-1].decode("latin-1"))
            return titles

    return Inspect


@pytest.fixture
def demo(db):
    """The demo workspace with its catalogue."""
    from assessments.catalogue import ensure_loaded
    from demo.workspace import load_demo

    ensure_loaded()
    return load_demo()


@pytest.fixture
def feed(demo):
    """The demo's largest algorithm (complete, filed, with an assessment)."""
    from filings.models import Algorithm

    return Algorithm.objects.get(workspace=demo, name="示例新闻个性化推荐算法")


@pytest.fixture
def chat(demo):
    """A demo algorithm still in draft (generative, with a third-party model)."""
    from filings.models import Algorithm

    return Algorithm.objects.get(workspace=demo, name="示例AI助手生成合成算法")


@pytest.fixture
def media(settings, tmp_path):
    """Files on disk (the test settings keep them in memory), as in production."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


@pytest.fixture
def shared_db(transactional_db, tmp_path):
    """The test database, reachable by a second process; yields its name."""
    original = connections["default"]
    if original.vendor != "sqlite" or not original.is_in_memory_db():
        yield original.settings_dict["NAME"]
        return
    path = tmp_path / "shared.sqlite3"
    original.ensure_connection()
    target = sqlite3.connect(path)
    original.connection.backup(target)
    target.close()
    replacement = original.__class__({**original.settings_dict, "NAME": str(path)}, alias="default")
    connections["default"] = replacement
    try:
        yield str(path)
    finally:
        replacement.close()
        connections["default"] = original


@pytest.fixture
def worker_queue():
    """A queue of this test's own, so no other worker takes its messages (nor it theirs)."""
    name = f"documents-test-{uuid.uuid4().hex[:8]}"
    saved_routes = app.conf.task_routes
    saved_eager = app.conf.task_always_eager
    app.conf.update(task_routes={"documents.*": {"queue": name}}, task_always_eager=False)
    try:
        yield name
    finally:
        app.conf.update(task_routes=saved_routes, task_always_eager=saved_eager)


class Worker:
    """`celery -A config worker` in a process of its own, logging to memory."""

    def __init__(self, env: dict, queue: str):
        self.env = env
        self.queue = queue
        self.process: subprocess.Popen | None = None
        self.log: list[str] = []

    def start(self, timeout: float = 40) -> Worker:
        self.log = []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--queues",
                self.queue,
                "--hostname",
                f"{self.queue}-{uuid.uuid4().hex[:4]}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(" ready." in line for line in self.log):
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        pytest.fail("the worker did not start:\n" + "".join(self.log[-40:]))

    def _read(self, process) -> None:
        for line in process.stdout:
            self.log.append(line)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, exactly a crash."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def process_env(shared_db, media, worker_queue):
    """The environment of a process that shares this test's database, files and queue."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.documents.worker_settings",
        "SUANBEI_WORKER_DB_NAME": shared_db,
        "SUANBEI_WORKER_MEDIA_ROOT": str(media),
        "SUANBEI_WORKER_QUEUE": worker_queue,
        # The filesystem broker's folders live under the var dir: the same as ours.
        "SUANBEI_VAR_DIR": str(settings.VAR_DIR),
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }


@pytest.fixture
def worker_process(process_env, worker_queue):
    """A factory of worker processes; all are killed at the end of the test."""
    workers: list[Worker] = []

    def make() -> Worker:
        worker = Worker(process_env, worker_queue)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.kill()


@pytest.fixture
def web_server(process_env):
    """`manage.py runserver` in its own process, on a free port; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=process_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail("the web server did not start")
                time.sleep(0.1)
        else:
            pytest.fail("the web server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def broker_down():
    """Publishing goes to a Redis address where nothing listens (127.0.0.1:1)."""
    keys = ("broker_url", "broker_write_url", "broker_transport_options", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.update(
        broker_url="redis://127.0.0.1:1/0",
        broker_write_url=None,
        broker_transport_options={},
        task_always_eager=False,
    )
    reset_pools()
    try:
        yield
    finally:
        app.conf.update(saved)
        reset_pools()
