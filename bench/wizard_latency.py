"""Latency of the filing wizard against a trivial view, on a workspace of 1,000 algorithms.

    .venv/bin/python bench/wizard_latency.py [--requests N] [--profile]

Builds a workspace "bench" (the demo provider, its services and five
algorithms, plus 995 algorithms with a deployment, a disclosure and a draft
filing each), serves it with gunicorn (one worker, one thread, DEBUG off) on
a free port of 127.0.0.1, and times over HTTP, interleaved in rounds:

    healthz        GET /healthz (the trivial view, "ok")
    step basic     GET /w/bench/algorithms/<pk>/edit/basic/
    step products  GET /w/bench/algorithms/<pk>/edit/products/
    autosave       POST /w/bench/panels/algorithm-basic/<pk>/ (htmx, a value that changes)

Target (issue): p50 and p95 of each within 3x of the trivial view's.

Without DATABASE_URL the run uses a throwaway SQLite database in a temporary
SUANBEI_VAR_DIR. With DATABASE_URL it migrates that database and refuses to
touch one that holds workspaces unless --reset is given (which deletes every
workspace in it). --profile then runs each wizard request in-process under
cProfile and prints where the time goes. A benchmark prints figures; it is
not a test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
TARGET_RATIO = 3.0
WARMUP = 20
BULK_ALGORITHMS = 995
SLUG = "bench"
DOMAINS = ("新闻门户、用户内容生成(UGC)", "新闻门户、搜索引擎")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="Timed requests of each kind.")
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="Abort the run after this many seconds."
    )
    parser.add_argument(
        "--reset", action="store_true", help="Delete every workspace of DATABASE_URL first."
    )
    parser.add_argument(
        "--profile", action="store_true", help="Profile each wizard request in-process afterwards."
    )
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout

    # Settings read these at import time, so they are set before django.setup().
    var_dir = tempfile.TemporaryDirectory(prefix="suanbei-bench-")
    os.environ["SUANBEI_VAR_DIR"] = var_dir.name
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"  # realistic timing: no query log, cached templates
    os.environ["DJANGO_ALLOWED_HOSTS"] = HOST
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from workspaces.models import Workspace

    call_command("migrate", verbosity=0)
    if Workspace.objects.exists():
        if not args.reset:
            print(
                f"{connection.settings_dict['NAME']} holds workspaces; pass --reset to delete them.",
                file=sys.stderr,
            )
            return 2
        for workspace in Workspace.objects.all():
            workspace.delete()

    started = time.perf_counter()
    user, algorithm = build_workspace()
    from filings.models import Algorithm

    count = Algorithm.objects.filter(workspace__slug=SLUG).count()
    print(f"machine:   {os.cpu_count()} CPUs (nproc {_nproc()}), Python {sys.version.split()[0]}")
    print(f"database:  {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"workspace: {count} algorithms, built in {time.perf_counter() - started:.1f} s; "
        f"exercising pk {algorithm.pk} {algorithm.name}"
    )
    cookies, csrf = session_cookies(user)
    connection.close()  # the server gets the database to itself while timing

    port = _free_port()
    log_path = Path(var_dir.name) / "gunicorn.log"
    server = start_server(port, log_path)
    try:
        wait_until_up(port, server, log_path, deadline)
        print(f"server:    gunicorn gthread, 1 worker, 1 thread, {HOST}:{port}, DEBUG off")
        results = measure(port, cookies, csrf, algorithm, args.requests, deadline)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    report(results, args.requests)

    saves = algorithm.history.count() - 1
    print(f"autosave:  {saves} history rows written for pk {algorithm.pk} (each POST changed it)")
    if args.profile:
        profile(user, algorithm)
    connection.close()
    return 0


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def build_workspace():
    """The demo provider renamed "bench", grown to 1,000 algorithms; returns (user, algorithm)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from simple_history.utils import bulk_create_with_history

    from demo.workspace import DEMO_USERNAME, load_demo
    from filings.models import Algorithm, Deployment, Disclosure, Filing, Provider, Service

    with transaction.atomic():
        ws = load_demo()
        ws.slug, ws.name = SLUG, "基准测试合规组"
        ws.save()
        provider = Provider.objects.get(workspace=ws)
        services = list(Service.objects.filter(provider=provider).order_by("pk"))
        by_name = {a.name: a for a in Algorithm.objects.filter(provider=provider)}
        # Three kinds of realistic rows: complete feed, search, partly filled dispatch.
        templates = [
            (by_name["示例新闻个性化推荐算法"], services[0], "推荐"),
            (by_name["示例新闻搜索算法"], services[0], "搜索"),
            (by_name["示例出行智能派单算法"], services[1], "派单"),
        ]
        copied = [
            f.attname
            for f in Algorithm._meta.concrete_fields
            if f.attname not in ("id", "name", "created_at", "updated_at")
        ]
        algorithms = []
        for i in range(BULK_ALGORITHMS):
            source, _service, word = templates[i % len(templates)]
            algorithm = Algorithm(**{name: getattr(source, name) for name in copied})
            algorithm.name = f"基准测试{word}算法{i:04d}"
            algorithms.append(algorithm)
        algorithms = bulk_create_with_history(algorithms, Algorithm, batch_size=500)
        if algorithms[0].pk is None:  # a backend that returns no primary keys
            algorithms = list(
                Algorithm.objects.filter(provider=provider, name__startswith="基准测试").order_by(
                    "pk"
                )
            )
        deployments, disclosures, filings = [], [], []
        for i, algorithm in enumerate(algorithms):
            source, service, word = templates[i % len(templates)]
            deployments.append(
                Deployment(
                    workspace=ws,
                    algorithm=algorithm,
                    service=service,
                    function_name=f"{word}功能{i:04d}",
                    function_description=f"用户在{service.name}中使用{word}功能时，由本算法处理请求。",
                    access_path=["首页", word],
                    position=0,
                )
            )
            disclosures.append(
                Disclosure(
                    workspace=ws,
                    algorithm=algorithm,
                    basic_principle="基于用户行为数据和内容特征，通过召回、排序两阶段模型计算用户对内容的兴趣程度。",
                    operating_mechanism="用户请求→候选召回→安全过滤→排序→展示，并根据反馈持续更新。",
                    application_scenario=f"应用于{service.name}的{word}功能。",
                    purpose=f"应用于{word}场景，为用户提供相关内容。",
                )
            )
            filings.append(Filing(workspace=ws, algorithm=algorithm))
        bulk_create_with_history(deployments, Deployment, batch_size=500)
        bulk_create_with_history(disclosures, Disclosure, batch_size=500)
        bulk_create_with_history(filings, Filing, batch_size=500)

    # One in the middle, of the complete kind (a service provider with a deployment).
    middle = len(algorithms) // 2
    chosen = algorithms[middle - middle % len(templates)]
    user = get_user_model().objects.get(username=DEMO_USERNAME)
    return user, Algorithm.objects.select_related("provider").get(pk=chosen.pk)


def session_cookies(user) -> tuple[str, str]:
    """A logged-in session stored in the database, as the login view would leave it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf = _get_new_csrf_string()
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}"
    )
    return cookie, csrf


# ---------------------------------------------------------------------------
# Server
# ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def start_server(port: int, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS=HOST,
        PYTHONPATH=str(ROOT),
    )
    # gthread with one thread keeps connections alive (the sync worker closes each one)
    # and still serves one request at a time in one process.
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--chdir",
        str(ROOT),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        "1",
        "--threads",
        "1",
        "--worker-class",
        "gthread",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    log = log_path.open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_up(port: int, server: subprocess.Popen, log_path: Path, deadline: float) -> None:
    stop = min(deadline, time.monotonic() + 60)
    while time.monotonic() < stop:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log_path.read_text(errors='replace')}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200 and body == b"ok":
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"gunicorn did not answer /healthz:\n{log_path.read_text(errors='replace')}")


# ---------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------


class Client:
    """One keep-alive connection to the server with the session's cookies."""

    def __init__(self, port: int, cookies: str, csrf: str):
        self.port, self.cookies, self.csrf = port, cookies, csrf
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        all_headers = {"Cookie": self.cookies, **(headers or {})}
        for attempt in (1, 2):
            try:
                start = time.perf_counter()
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                return (time.perf_counter() - start) * 1000, response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle connection: open a new one and retry once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def measure(port, cookies, csrf, algorithm, n, deadline) -> dict[str, list[float]]:
    from django.urls import reverse

    wizard = lambda step: reverse("filings:wizard", args=[SLUG, algorithm.pk, step])  # noqa: E731
    save_url = reverse("filings:panel-save", args=[SLUG, "algorithm-basic", algorithm.pk])
    prefix = f"algorithm-basic-{algorithm.pk}-"
    base_fields = {
        "name": algorithm.name,
        "type": algorithm.type,
        "role": algorithm.role,
        "launch_status": algorithm.launch_status,
        "launch_date": algorithm.launch_date.isoformat() if algorithm.launch_date else "",
    }
    if algorithm.generative_ai_service:
        base_fields["generative_ai_service"] = "on"
    save_headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrf,
        "HX-Request": "true",
        "Referer": f"http://{HOST}:{port}{wizard('basic')}",
    }
    toggle = [0]

    def autosave():
        toggle[0] ^= 1
        fields = {**base_fields, "application_domains": DOMAINS[toggle[0]]}
        body = urllib.parse.urlencode({prefix + k: v for k, v in fields.items()}).encode()
        return "POST", save_url, body, save_headers

    kinds = {
        "healthz": lambda: ("GET", "/healthz", None, None),
        "step basic": lambda: ("GET", wizard("basic"), None, None),
        "step products": lambda: ("GET", wizard("products"), None, None),
        "autosave": autosave,
    }
    client = Client(port, cookies, csrf)
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    rng = random.Random(20260)
    order = list(kinds)
    for round_no in range(WARMUP + n):
        if time.monotonic() > deadline:
            raise SystemExit(f"aborted: over the time limit after {round_no} rounds")
        rng.shuffle(order)  # no kind always follows another
        for kind in order:
            method, path, body, headers = kinds[kind]()
            ms, status, data = client.request(method, path, body, headers)
            if status != 200:
                raise SystemExit(f"{kind}: {method} {path} answered {status}:\n{data[:2000]!r}")
            if kind == "autosave" and b"text-success" not in data:
                raise SystemExit(f"autosave did not save cleanly:\n{data.decode()[:2000]}")
            if round_no >= WARMUP:
                timings[kind].append(ms)
    client.conn.close()
    return timings


def report(timings: dict[str, list[float]], n: int) -> None:
    stats = {}
    for kind, values in timings.items():
        q = statistics.quantiles(values, n=100)
        stats[kind] = (q[49], q[94], statistics.fmean(values), max(values))
    base_p50, base_p95 = stats["healthz"][:2]
    print(f"\n{n} timed requests of each kind after {WARMUP} warm-up, interleaved; ms:")
    print(
        f"{'kind':<14} {'p50':>8} {'p95':>8} {'mean':>8} {'max':>8} "
        f"{'p50/triv':>9} {'p95/triv':>9}  target {TARGET_RATIO:g}x"
    )
    for kind, (p50, p95, mean, top) in stats.items():
        line = f"{kind:<14} {p50:8.2f} {p95:8.2f} {mean:8.2f} {top:8.2f}"
        if kind != "healthz":
            r50, r95 = p50 / base_p50, p95 / base_p95
            verdict = "PASS" if r50 <= TARGET_RATIO and r95 <= TARGET_RATIO else "MISS"
            line += f" {r50:8.1f}x {r95:8.1f}x  {verdict}"
        else:
            line += f" {'(trivial view)':>19}"
        print(line)


# ---------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------


def profile(user, algorithm, repeat: int = 20) -> None:
    """Each request in-process (Django test client, DEBUG off): SQL, templates and cProfile."""
    import cProfile
    import pstats

    from django.test import Client as DjangoClient
    from django.urls import reverse

    client = DjangoClient(HTTP_HOST=HOST)
    client.force_login(user)
    algorithm.refresh_from_db()
    prefix = f"algorithm-basic-{algorithm.pk}-"
    fields = {
        "name": algorithm.name,
        "type": algorithm.type,
        "role": algorithm.role,
        "launch_status": algorithm.launch_status,
        "launch_date": algorithm.launch_date.isoformat() if algorithm.launch_date else "",
    }
    if algorithm.generative_ai_service:
        fields["generative_ai_service"] = "on"
    save_url = reverse("filings:panel-save", args=[SLUG, "algorithm-basic", algorithm.pk])

    def step(name):
        url = reverse("filings:wizard", args=[SLUG, algorithm.pk, name])
        return lambda i: client.get(url)

    def autosave(i):
        data = {prefix + k: v for k, v in fields.items()}
        data[prefix + "application_domains"] = DOMAINS[i % 2]
        return client.post(save_url, data, HTTP_HX_REQUEST="true")

    calls = {
        "healthz": lambda i: client.get("/healthz"),
        "step basic": step("basic"),
        "step products": step("products"),
        "autosave": autosave,
    }
    print(f"\nprofile: in-process Django test client, DEBUG off, {repeat} requests of each kind")
    for kind, call in calls.items():
        for i in range(3):
            assert call(i).status_code == 200, kind  # warm caches
        start = time.perf_counter()
        for i in range(repeat):
            call(i)
        plain = (time.perf_counter() - start) * 1000 / repeat

        queries, templates, instrumented = _instrumented(call, repeat)

        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(repeat):
            call(i)
        profiler.disable()

        sql_ms = sum(ms for ms, _sql in queries) / repeat
        template_ms = sum(e[2] for e in templates.values()) / repeat
        print(
            f"\n--- {kind}: {plain:.2f} ms per request in-process; "
            f"{len(queries) / repeat:.0f} SQL queries {sql_ms:.2f} ms; "
            f"templates {template_ms:.2f} ms (timed pass {instrumented:.2f} ms) ---"
        )
        if kind == "healthz":
            continue
        by_sql: dict[str, list[float]] = {}
        for ms, sql in queries:
            entry = by_sql.setdefault(sql[:110], [0, 0.0])
            entry[0] += 1
            entry[1] += ms
        print("  SQL, slowest statements (ms/request, count/request):")
        for sql, (count, ms) in sorted(by_sql.items(), key=lambda x: -x[1][1])[:6]:
            print(f"    {ms / repeat:7.2f} {count / repeat:5.1f}  {sql}")
        print("  templates (calls/request, inclusive ms, own ms per request):")
        for name, (count, incl, own) in sorted(templates.items(), key=lambda x: -x[1][2])[:8]:
            print(f"    {count / repeat:6.1f} {incl / repeat:8.2f} {own / repeat:8.2f}  {name}")
        stats = pstats.Stats(profiler).stats
        rows = [
            (cumtime, tottime, ncalls, f"{_short(filename, line)}({name})")
            for (filename, line, name), (_cc, ncalls, tottime, cumtime, _c) in stats.items()
        ]
        print(
            "  project code under cProfile (cum ms, own ms, calls per request; cProfile adds overhead):"
        )
        own_code = [r for r in rows if not r[3].startswith((".venv", "<", "(")) and ".py" in r[3]]
        for cumtime, tottime, ncalls, label in sorted(own_code, reverse=True)[:14]:
            if "wizard_latency.py" in label:
                continue
            print(
                f"    {cumtime * 1000 / repeat:8.2f} {tottime * 1000 / repeat:7.2f} "
                f"{ncalls / repeat:7.1f}  {label}"
            )
        print("  largest own time anywhere:")
        for _cum, tottime, ncalls, label in sorted(rows, key=lambda r: -r[1])[:8]:
            print(f"    {tottime * 1000 / repeat:8.2f} ms {ncalls / repeat:8.1f} calls  {label}")


def _instrumented(call, repeat: int):
    """Run call(i) `repeat` times recording each SQL statement and each template's render time."""
    from django.db import connection
    from django.template import base as template_base

    queries: list[tuple[float, str]] = []  # (ms, sql)
    templates: dict[str, list[float]] = {}  # name -> [calls, inclusive ms, own ms]
    stack: list[float] = []  # time spent in nested templates, per open render
    original_render = template_base.Template.render

    def timed_sql(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - t0) * 1000, sql))

    def timed_render(self, context):
        stack.append(0.0)
        t0 = time.perf_counter()
        try:
            return original_render(self, context)
        finally:
            elapsed = (time.perf_counter() - t0) * 1000
            children = stack.pop()
            if stack:
                stack[-1] += elapsed
            entry = templates.setdefault(self.name or "<string>", [0, 0.0, 0.0])
            entry[0] += 1
            entry[1] += elapsed
            entry[2] += elapsed - children

    template_base.Template.render = timed_render
    try:
        with connection.execute_wrapper(timed_sql):
            start = time.perf_counter()
            for i in range(repeat):
                call(i)
            ms = (time.perf_counter() - start) * 1000 / repeat
    finally:
        template_base.Template.render = original_render
    return queries, templates, ms


def _short(filename: str, line: int) -> str:
    if filename == "~":
        return ""
    path = Path(filename)
    try:
        return f"{path.relative_to(ROOT)}:{line}"
    except ValueError:
        parts = path.parts
        if "site-packages" in parts:
            return "/".join(parts[parts.index("site-packages") + 1 :]) + f":{line}"
        return f"{path.name}:{line}"


if __name__ == "__main__":
    sys.exit(main())
