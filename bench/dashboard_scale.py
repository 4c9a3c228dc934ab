"""The dashboard of a workspace of 10, 100 and 1,000 algorithms, in one run.

    .venv/bin/python bench/dashboard_scale.py [--requests N]

Builds three workspaces ("scale-10", "scale-100", "scale-1000") from the demo's
provider and three of its algorithms as templates (each algorithm with a
deployment, a disclosure and a draft filing; bulk inserts), stores every
algorithm's figures as the commits would (filings.figures.refresh; its time
is printed), serves them with gunicorn (one worker, one thread, DEBUG off) on
a free port of 127.0.0.1 and times over HTTP, interleaved in rounds:

    dashboard 10 / 100 / 1000   GET /w/scale-N/ (the first page, default sort)
    step basic                  GET /w/scale-1000/algorithms/<pk>/edit/basic/
    admin change                GET /admin/filings/algorithm/<pk>/change/ (same pk)

It prints p50/p95 of each, the dashboard's page size for each workspace and
the ratio 1,000 / 10 of its p50 and p95. Targets (issue 15): ratio <= 2; the
wizard step <= 0.5x the admin's change view; page <= 200 KB. Exit status 1
when one is missed.

Without DATABASE_URL the run uses a throwaway SQLite database in a temporary
SUANBEI_VAR_DIR. With DATABASE_URL it migrates that database and refuses one
that holds workspaces unless --reset is given (which deletes every workspace
in it). A benchmark prints figures; it is not a test.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SIZES = (10, 100, 1000)
WARMUP = 5
TARGET_RATIO = 2.0
TARGET_WIZARD_VS_ADMIN = 0.5
TARGET_PAGE_BYTES = 200 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="Timed requests of each kind.")
    parser.add_argument(
        "--reset", action="store_true", help="Delete every workspace of DATABASE_URL first."
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="Abort the run after this many seconds."
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
    user, admin, algorithm = build_workspaces()
    built = time.perf_counter() - started
    from filings import figures
    from filings.models import Algorithm

    started = time.perf_counter()
    count = figures.refresh(Algorithm.objects.filter(workspace__slug__startswith="scale-"))
    computed = time.perf_counter() - started
    print(f"machine:   {os.cpu_count()} CPUs (nproc {_nproc()}), Python {sys.version.split()[0]}")
    print(f"database:  {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"workspaces: {', '.join(f'scale-{n}' for n in SIZES)} built in {built:.1f} s; "
        f"figures of {count} algorithms computed in {computed:.1f} s "
        f"({computed / max(count, 1) * 1000:.1f} ms each)"
    )
    print(f"exercising pk {algorithm.pk} {algorithm.name} of scale-{SIZES[-1]}")
    cookies = {who: session_cookie(u) for who, u in (("user", user), ("admin", admin))}
    connection.close()  # the server gets the database to itself while timing

    port = _free_port()
    log_path = Path(var_dir.name) / "gunicorn.log"
    server = start_server(port, log_path)
    try:
        wait_until_up(port, server, log_path, deadline)
        print(f"server:    gunicorn gthread, 1 worker, 1 thread, {HOST}:{port}, DEBUG off")
        timings, sizes = measure(port, cookies, algorithm, args.requests, deadline)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    ok = report(timings, sizes, args.requests)
    connection.close()
    return 0 if ok else 1


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def build_workspaces():
    """The demo, then one workspace per size with the demo's provider and services
    and N algorithms copied from three of its own; returns (user, admin, algorithm)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from simple_history.utils import bulk_create_with_history

    from demo.workspace import DEMO_USERNAME, load_demo
    from filings.models import Algorithm, Deployment, Disclosure, Filing, Provider, Service
    from workspaces.models import Membership, Role, Workspace

    demo = load_demo()
    user = get_user_model().objects.get(username=DEMO_USERNAME)
    admin = get_user_model().objects.create_superuser("bench-admin", "admin@example.cn", None)
    source_provider = Provider.objects.get(workspace=demo)
    source_services = list(Service.objects.filter(provider=source_provider).order_by("pk"))
    by_name = {a.name: a for a in Algorithm.objects.filter(provider=source_provider)}
    templates = [
        (by_name["示例新闻个性化推荐算法"], 0, "推荐"),
        (by_name["示例新闻搜索算法"], 0, "搜索"),
        (by_name["示例出行智能派单算法"], 1, "派单"),
    ]
    copied = [
        f.attname
        for f in Algorithm._meta.concrete_fields
        if f.attname
        not in ("id", "name", "workspace_id", "provider_id", "created_at", "updated_at")
    ]
    chosen = None
    for size in SIZES:
        with transaction.atomic():
            workspace = Workspace.objects.create(slug=f"scale-{size}", name=f"规模测试{size}")
            Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
            provider = _copy(source_provider, workspace=workspace)
            services = [_copy(s, workspace=workspace, provider=provider) for s in source_services]
            algorithms = []
            for i in range(size):
                source, _service, word = templates[i % len(templates)]
                algorithm = Algorithm(**{name: getattr(source, name) for name in copied})
                algorithm.workspace, algorithm.provider = workspace, provider
                algorithm.name = f"规模测试{word}算法{i:04d}"
                algorithms.append(algorithm)
            algorithms = bulk_create_with_history(algorithms, Algorithm, batch_size=500)
            if algorithms[0].pk is None:  # a backend that returns no primary keys
                algorithms = list(Algorithm.objects.filter(provider=provider).order_by("pk"))
            deployments, disclosures, filings = [], [], []
            for i, algorithm in enumerate(algorithms):
                _source, service_index, word = templates[i % len(templates)]
                service = services[service_index]
                deployments.append(
                    Deployment(
                        workspace=workspace,
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
                        workspace=workspace,
                        algorithm=algorithm,
                        basic_principle=f"基于用户行为数据和内容特征，计算第{i}号{word}场景中用户的兴趣。",
                        operating_mechanism=f"用户请求→候选召回→安全过滤→排序→展示（{word}，第{i}号）。",
                        application_scenario=f"应用于{service.name}的{word}功能{i:04d}。",
                        purpose=f"应用于{word}场景{i:04d}，为用户提供相关内容。",
                    )
                )
                filings.append(Filing(workspace=workspace, algorithm=algorithm))
            bulk_create_with_history(deployments, Deployment, batch_size=500)
            bulk_create_with_history(disclosures, Disclosure, batch_size=500)
            bulk_create_with_history(filings, Filing, batch_size=500)
        if size == SIZES[-1]:
            middle = len(algorithms) // 2
            chosen = algorithms[middle - middle % len(templates)]
    return user, admin, Algorithm.objects.select_related("provider").get(pk=chosen.pk)


def _copy(obj, **fields):
    """An unsaved copy of a model row with other values for some fields, saved."""
    values = {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.attname not in ("created_at", "updated_at")
    }
    copy = type(obj)(**values)
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    return copy


def session_cookie(user) -> str:
    """A logged-in session stored in the database, as the login view would leave it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


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
    # gthread with one thread keeps connections alive and serves one request at a time.
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--chdir", str(ROOT),
        "--bind", f"{HOST}:{port}", "--workers", "1", "--threads", "1",
        "--worker-class", "gthread", "--keep-alive", "30", "--log-level", "warning",
    ]  # fmt: skip
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
    """One keep-alive connection to the server with one session's cookie."""

    def __init__(self, port: int, cookie: str):
        self.port, self.cookie = port, cookie
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def get(self, path: str) -> tuple[float, int, bytes]:
        for attempt in (1, 2):
            try:
                start = time.perf_counter()
                self.conn.request("GET", path, headers={"Cookie": self.cookie})
                response = self.conn.getresponse()
                data = response.read()
                return (time.perf_counter() - start) * 1000, response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle connection: open a new one and retry once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def measure(port, cookies, algorithm, n, deadline):
    from django.urls import reverse

    kinds = {
        **{
            f"dashboard {size}": ("user", reverse("filings:dashboard", args=[f"scale-{size}"]))
            for size in SIZES
        },
        "step basic": (
            "user",
            reverse("filings:wizard", args=[f"scale-{SIZES[-1]}", algorithm.pk, "basic"]),
        ),
        "admin change": (
            "admin",
            reverse("admin:filings_algorithm_change", args=[algorithm.pk]),
        ),
    }
    clients = {who: Client(port, cookie) for who, cookie in cookies.items()}
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    sizes: dict[str, int] = {}
    rng = random.Random(15)
    order = list(kinds)
    for round_no in range(WARMUP + n):
        if time.monotonic() > deadline:
            raise SystemExit(f"aborted: over the time limit after {round_no} rounds")
        rng.shuffle(order)  # no kind always follows another
        for kind in order:
            who, path = kinds[kind]
            ms, status, data = clients[who].get(path)
            if status != 200:
                raise SystemExit(f"{kind}: GET {path} answered {status}:\n{data[:2000]!r}")
            sizes[kind] = len(data)
            if round_no >= WARMUP:
                timings[kind].append(ms)
    for client in clients.values():
        client.conn.close()
    return timings, sizes


def report(timings: dict[str, list[float]], sizes: dict[str, int], n: int) -> bool:
    stats = {}
    for kind, values in timings.items():
        q = statistics.quantiles(values, n=100)
        stats[kind] = (q[49], q[94], statistics.fmean(values), max(values))
    print(f"\n{n} timed requests of each kind after {WARMUP} warm-up, interleaved; ms:")
    print(f"{'kind':<16} {'p50':>8} {'p95':>8} {'mean':>8} {'max':>8} {'page':>10}")
    for kind, (p50, p95, mean, top) in stats.items():
        print(
            f"{kind:<16} {p50:8.1f} {p95:8.1f} {mean:8.1f} {top:8.1f} {sizes[kind] / 1024:8.1f} KB"
        )

    small, large = f"dashboard {SIZES[0]}", f"dashboard {SIZES[-1]}"
    r50, r95 = stats[large][0] / stats[small][0], stats[large][1] / stats[small][1]
    wizard50 = stats["step basic"][0] / stats["admin change"][0]
    wizard95 = stats["step basic"][1] / stats["admin change"][1]
    page = max(sizes[f"dashboard {size}"] for size in SIZES)
    checks = [
        (
            f"dashboard {SIZES[-1]} / {SIZES[0]}: p50 {r50:.2f}x, p95 {r95:.2f}x",
            f"<= {TARGET_RATIO:g}x",
            r50 <= TARGET_RATIO and r95 <= TARGET_RATIO,
        ),
        (
            f"step basic / admin change: p50 {wizard50:.2f}x, p95 {wizard95:.2f}x",
            f"<= {TARGET_WIZARD_VS_ADMIN:g}x",
            wizard50 <= TARGET_WIZARD_VS_ADMIN and wizard95 <= TARGET_WIZARD_VS_ADMIN,
        ),
        (
            f"largest dashboard page: {page / 1024:.1f} KB",
            f"<= {TARGET_PAGE_BYTES // 1024} KB",
            page <= TARGET_PAGE_BYTES,
        ),
    ]
    print("\ntargets (issue 15):")
    for text, target, passed in checks:
        print(f"  {text:<52} target {target:<9} {'PASS' if passed else 'MISS'}")
    return all(passed for _text, _target, passed in checks)


if __name__ == "__main__":
    sys.exit(main())
