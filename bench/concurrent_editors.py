"""Twenty people autosaving at once: latency, errors and lost saves, over HTTP.

    .venv/bin/python bench/concurrent_editors.py [--seconds 60] [--database-url URL]

Builds a workspace of --algorithms algorithms (20) with a deployment, a
disclosure and a draft filing each, 20 editors and 2 reviewers, in a fresh
database: SQLite in a temporary SUANBEI_VAR_DIR, or the PostgreSQL database
of --database-url / DATABASE_URL (migrated; refused if it holds workspaces,
unless --reset). REDIS_URL, when set, is passed on. Each person gets a
signed-in session stored in the database, as a login leaves it.

Serves it with gunicorn (gthread, 2 workers x 4 threads, DEBUG off) on a free
port of 127.0.0.1, then:

1. single user: one editor autosaves alone (--single saves after a warm-up);
   its p95 is the reference of the run.
2. load, for --seconds: 20 editors, each a thread with its own keep-alive
   connection, starting within the first --pause maximum, behave like the
   page's script (static/js/suanbei.js): they load a wizard step, then
   autosave one text field of the "detail" or "disclosure" panel --pause
   seconds (1-4) after the previous answer (typing, then the page's 700 ms
   pause), posting the whole form with its `_base`, taking the new base and
   the values others saved from each answer, reloading the step after a
   conflict, and waiting Retry-After after a 503. Editor i works on
   algorithms i and i+1, so neighbours share an algorithm and sometimes a
   field. 2 reviewers read the review page of a filing and the dashboard,
   one page every 1-3 s.
3. verify from the database: for every (object, field), each acknowledged
   value is in its history, and the value stored is one of the acknowledged
   values no later acknowledged save certainly followed (answered before it
   was sent). A conflict (the same field changed by another editor since the
   form's base) is refused, so it is not acknowledged.

Targets (issue 15): lost saves 0, no 5xx (a 503 counts), autosave p95 under
load <= 5x the single-user p95 of the same run. Exit status 1 when missed.
A benchmark prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SLUG = "bench-editors"
WORKERS, THREADS = 2, 4
TARGET_RATIO = 5.0
EDITORS, REVIEWERS = 20, 2
# The text fields the editors type into, per panel kind and wizard step.
PANELS = {
    "algorithm-detail": (
        "detail",
        ("summary", "usage_scenario", "data_sources", "model_and_training_data"),
    ),
    "disclosure": (
        "disclosure",
        ("basic_principle", "operating_mechanism", "application_scenario", "purpose"),
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="Length of the load phase.")
    parser.add_argument("--algorithms", type=int, default=20)
    parser.add_argument("--editors", type=int, default=EDITORS)
    parser.add_argument("--reviewers", type=int, default=REVIEWERS)
    parser.add_argument(
        "--single", type=int, default=60, help="Timed autosaves of the single-user phase."
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", ""), help="PostgreSQL (or SQLite)."
    )
    parser.add_argument(
        "--reset", action="store_true", help="Delete every workspace of the database first."
    )
    parser.add_argument(
        "--pause",
        default="1:4",
        help="MIN:MAX seconds an editor types between an answer and the next autosave.",
    )
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    if args.algorithms < 2 or args.editors < 1:
        parser.error("at least 2 algorithms and 1 editor")
    try:
        args.pause = tuple(float(x) for x in args.pause.split(":"))
        assert len(args.pause) == 2 and 0 <= args.pause[0] <= args.pause[1]
    except (ValueError, AssertionError):
        parser.error("--pause takes MIN:MAX seconds, e.g. 1:4")

    # Settings read these at import time, so they are set before django.setup().
    var_dir = tempfile.TemporaryDirectory(prefix="suanbei-bench-editors-")
    os.environ["SUANBEI_VAR_DIR"] = var_dir.name
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = HOST
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
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
    people = build_workspace(args.algorithms, args.editors, args.reviewers)
    print(
        f"machine:    {os.cpu_count()} CPUs, load average {_load()}, Python {sys.version.split()[0]}"
    )
    print(f"database:   {connection.vendor} {connection.settings_dict['NAME']}{_sqlite_mode()}")
    print(
        f"broker:     {'redis' if settings.CELERY_BROKER_URL.startswith('redis') else 'filesystem'}"
    )
    print(
        f"workspace:  {args.algorithms} algorithms, {args.editors} editors, {args.reviewers} reviewers, "
        f"built in {time.perf_counter() - started:.1f} s"
    )
    connection.close()  # the server gets the database to itself while timing

    port = _free_port()
    log_path = Path(var_dir.name) / "gunicorn.log"
    server = start_server(port, log_path)
    try:
        wait_until_up(port, server, log_path)
        print(
            f"server:     gunicorn gthread, {WORKERS} workers x {THREADS} threads, "
            f"{HOST}:{port}, DEBUG off"
        )
        run = Run(port=port, people=people, rng_seed=args.seed, pause=args.pause)
        single = run.single_user(args.single)
        run.load(args.seconds)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    lost, checked = verify(run.acks)
    ok = report(run, single, args, lost, checked)
    errors = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    if errors:
        print(f"\nserver log ({len(errors)} lines, last 10):")
        for line in errors[-10:]:
            print(f"  {line[:200]}")
    connection.close()
    return 0 if ok else 1


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


@dataclass
class Person:
    username: str
    cookie: str
    csrf: str
    algorithms: list = field(default_factory=list)  # [(algorithm pk, disclosure pk, filing pk)]


def build_workspace(n_algorithms: int, n_editors: int, n_reviewers: int) -> dict[str, list]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from filings.models import Algorithm, Deployment, Disclosure, Filing, Provider, Service
    from workspaces.models import Membership, Role, Workspace

    User = get_user_model()
    with transaction.atomic():
        ws = Workspace.objects.create(name="并发编辑基准", slug=SLUG)
        provider = Provider.objects.create(workspace=ws, name="基准测试科技有限公司")
        service = Service.objects.create(workspace=ws, provider=provider, name="基准资讯App")
        rows = []
        for i in range(n_algorithms):
            algorithm = Algorithm.objects.create(
                workspace=ws,
                provider=provider,
                name=f"并发编辑基准算法{i + 1:03d}",
                summary="根据用户的浏览记录和内容特征，为用户推荐可能感兴趣的资讯。",
                usage_scenario="首页“推荐”频道的信息流。",
            )
            Deployment.objects.create(
                workspace=ws,
                algorithm=algorithm,
                service=service,
                function_name=f"推荐功能{i + 1:03d}",
                access_path=["首页", "推荐"],
                position=0,
            )
            disclosure = Disclosure.objects.create(
                workspace=ws,
                algorithm=algorithm,
                basic_principle="基于用户行为数据和内容特征计算兴趣程度。",
                purpose="应用于资讯推荐场景，为用户提供相关内容。",
            )
            filing = Filing.objects.create(workspace=ws, algorithm=algorithm)
            rows.append((algorithm.pk, disclosure.pk, filing.pk))

        def person(username: str, role: str) -> Person:
            user = User.objects.create_user(username=username, email=f"{username}@bench.invalid")
            Membership.objects.create(workspace=ws, user=user, role=role)
            cookie, csrf = session_cookies(user)
            return Person(username, cookie, csrf)

        editors = []
        for i in range(n_editors):
            editor = person(f"editor{i + 1:02d}", Role.EDITOR)
            # Its own algorithm and the next one: neighbours share one.
            editor.algorithms = [rows[i % n_algorithms], rows[(i + 1) % n_algorithms]]
            editors.append(editor)
        reviewers = []
        for i in range(n_reviewers):
            reviewer = person(f"reviewer{i + 1}", Role.REVIEWER)
            reviewer.algorithms = rows
            reviewers.append(reviewer)
        single = person("solo", Role.EDITOR)
        single.algorithms = [rows[0]]
    return {"editors": editors, "reviewers": reviewers, "single": [single]}


def session_cookies(user) -> tuple[str, str]:
    """A signed-in session in the session store, as a login leaves it, and a CSRF cookie."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import _get_new_csrf_string

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf = _get_new_csrf_string()
    return (
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}",
        csrf,
    )


# ---------------------------------------------------------------------------
# Server
# ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _sqlite_mode() -> str:
    from django.db import connection

    if connection.vendor != "sqlite":
        return ""
    options = connection.settings_dict.get("OPTIONS", {})
    return (
        f" ({options.get('transaction_mode', 'DEFERRED')} transactions, "
        f"busy timeout {options.get('timeout', 5)} s)"
    )


def start_server(port: int, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS=HOST,
        PYTHONPATH=str(ROOT),
    )
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
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--worker-class",
        "gthread",
        "--keep-alive",
        "5",
        "--log-level",
        "warning",
    ]
    log = log_path.open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_up(port: int, server: subprocess.Popen, log_path: Path) -> None:
    stop = time.monotonic() + 60
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
# The browser's side: a connection, a step's forms, an autosave
# ---------------------------------------------------------------------------


class Connection:
    """One keep-alive connection with one person's cookies."""

    def __init__(self, port: int, person: Person):
        self.port, self.person = port, person
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        """(sent, answered, status, headers, body); times are time.monotonic()."""
        all_headers = {"Cookie": self.person.cookie, **(headers or {})}
        for attempt in (1, 2):
            sent = time.monotonic()
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                return sent, time.monotonic(), response.status, response, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection before reading the
                # request: a new connection, and the same request once more.
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


class _Forms(HTMLParser):
    """The autosaved forms of a page (form[data-panel][hx-post]), as FormData would send them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict] = {}  # data-panel -> {"url", "pairs": [[name, value]]}
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("data-panel") and a.get("hx-post"):
            self._form = {"url": a["hx-post"], "pairs": []}
            self.forms[a["data-panel"]] = self._form
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["pairs"].append([name, a.get("value", "on")])
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form["pairs"].append([name, a.get("value", "")])
        elif tag == "textarea" and name and "disabled" not in a:
            self._textarea = [name, ""]
            self._form["pairs"].append(self._textarea)
        elif tag == "select" and name and "disabled" not in a:
            self._select = {"name": name, "multiple": "multiple" in a, "first": None, "any": False}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._form["pairs"].append([self._select["name"], value])
                self._select["any"] = True

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # The parser keeps the newline that HTML drops after <textarea>.
            if self._textarea[1].startswith("\n"):
                self._textarea[1] = self._textarea[1][1:]
            self._textarea = None
        elif tag == "select" and self._select is not None:
            s = self._select
            if not s["multiple"] and not s["any"] and s["first"] is not None:
                self._form["pairs"].append([s["name"], s["first"]])
            self._select = None
        elif tag == "form":
            self._form = None


@dataclass
class Form:
    """One open panel: its URL, the values it shows and the base it was loaded with."""

    kind: str
    obj_pk: int
    url: str
    prefix: str
    pairs: list

    def get(self, name: str) -> str:
        return next((v for n, v in self.pairs if n == name), "")

    def set(self, name: str, values: list[str]) -> None:
        at = next((i for i, (n, _v) in enumerate(self.pairs) if n == name), len(self.pairs))
        self.pairs = [p for p in self.pairs if p[0] != name]
        for offset, value in enumerate(values):
            self.pairs.insert(at + offset, [name, value])

    def body(self) -> bytes:
        return urllib.parse.urlencode(
            [(n, v) for n, v in self.pairs if n != "csrfmiddlewaretoken"]
        ).encode()

    def take_answer(self, data: str) -> None:
        """What suanbei.js does with a save's answer: the new base, and the
        values of fields only someone else changed (data-refresh)."""
        found = re.search(
            rf'<input[^>]*id="base-{re.escape(self.prefix)}"[^>]*value="([^"]*)"[^>]*'
            rf'data-refresh="([^"]*)"',
            data,
        )
        if not found:
            return
        self.set("_base", [html.unescape(found.group(1))])
        refresh = html.unescape(found.group(2))
        for name, values in (json.loads(refresh) if refresh else {}).items():
            self.set(name, values)


@dataclass
class Ack:
    """An autosave the server answered as saved."""

    kind: str
    obj_pk: int
    field: str
    value: str
    sent: float
    answered: float


@dataclass
class Tally:
    latencies: dict = field(default_factory=lambda: {"autosave": [], "page": []})
    statuses: dict = field(default_factory=dict)
    conflicts: int = 0
    refused: int = 0  # a field error (should not happen: the values are valid)
    busy: int = 0  # 503 answers honoured
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, kind: str, status: int, sent: float, answered: float) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.latencies[kind].append((answered - sent) * 1000)


class Run:
    def __init__(self, *, port: int, people: dict, rng_seed: int, pause: tuple[float, float]):
        from django.urls import reverse

        self.port, self.people, self.seed, self.pause = port, people, rng_seed, pause
        self.reverse = reverse
        self.acks: list[Ack] = []
        self.acks_lock = threading.Lock()
        self.tally = Tally()
        self.failures: list[str] = []
        self.elapsed = 0.0

    # --- one editor's steps ----------------------------------------------------

    def open_form(self, conn: Connection, kind: str, row: tuple) -> Form:
        algorithm_pk, disclosure_pk, _filing_pk = row
        step = PANELS[kind][0]
        path = self.reverse("filings:wizard", args=[SLUG, algorithm_pk, step])
        sent, answered, status, _r, data = conn.request("GET", path)
        self.tally.count("page", status, sent, answered)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {data[:300]!r}")
        parser = _Forms()
        parser.feed(data.decode())
        obj_pk = algorithm_pk if kind == "algorithm-detail" else disclosure_pk
        prefix = f"{kind}-{obj_pk}"
        found = parser.forms.get(prefix)
        if found is None:
            raise RuntimeError(f"{path}: no autosaved form {prefix}")
        return Form(kind, obj_pk, found["url"], prefix, found["pairs"])

    def autosave(self, conn: Connection, form: Form, name: str, value: str, *, record=True):
        """Post the form with one field changed, as the page does; True when saved."""
        if not any(n == f"{form.prefix}-{name}" for n, _v in form.pairs):
            raise RuntimeError(f"{form.prefix} has no field {name}")
        form.set(f"{form.prefix}-{name}", [value])
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": conn.person.csrf,
            "HX-Request": "true",
        }
        while True:
            sent, answered, status, response, data = conn.request(
                "POST", form.url, form.body(), headers
            )
            self.tally.count("autosave", status, sent, answered)
            if status == 503:
                # Busy (config.database_busy): nothing stored; the page waits and sends it again.
                with self.tally.lock:
                    self.tally.busy += 1
                time.sleep(float(response.getheader("Retry-After") or 2) + random.random() * 0.5)
                continue
            break
        text = data.decode(errors="replace")
        if status != 200:
            self.failures.append(f"POST {form.url} answered {status}: {text[:300]}")
            return False
        if "sb-conflict" in text:
            with self.tally.lock:
                self.tally.conflicts += 1
            return False
        if "data-error" in text:
            with self.tally.lock:
                self.tally.refused += 1
            self.failures.append(f"POST {form.url} refused {name}: {text[:300]}")
            return False
        form.take_answer(text)
        if record:
            with self.acks_lock:
                self.acks.append(Ack(form.kind, form.obj_pk, name, value, sent, answered))
        return True

    # --- phases ------------------------------------------------------------------

    def single_user(self, n: int) -> list[float]:
        """One editor alone: a warm-up, then n timed autosaves a moment apart."""
        person = self.people["single"][0]
        conn = Connection(self.port, person)
        form = self.open_form(conn, "algorithm-detail", person.algorithms[0])
        timings = []
        for i in range(10 + n):
            start = len(self.tally.latencies["autosave"])
            value = f"单人基准第{i}次保存：根据用户的浏览记录推荐资讯。"
            if not self.autosave(conn, form, "summary", value):
                raise SystemExit(f"single user: save {i} not saved: {self.failures[-1:]}")
            if i >= 10:
                timings.extend(self.tally.latencies["autosave"][start:])
            time.sleep(0.05)
        conn.close()
        # The load phase counts from zero.
        self.tally = Tally()
        self.acks = []
        return timings

    def load(self, seconds: float) -> None:
        stop = time.monotonic() + seconds
        threads = [
            threading.Thread(target=self._editor, args=(i, p, stop), daemon=True)
            for i, p in enumerate(self.people["editors"])
        ] + [
            threading.Thread(target=self._reviewer, args=(i, p, stop), daemon=True)
            for i, p in enumerate(self.people["reviewers"])
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 300)
        self.elapsed = time.monotonic() - started
        if any(thread.is_alive() for thread in threads):
            self.failures.append("a simulated person was still waiting 300 s after the end")

    def _editor(self, index: int, person: Person, stop: float) -> None:
        rng = random.Random(self.seed * 1000 + index)
        conn = Connection(self.port, person)
        forms: dict[tuple, Form] = {}
        seq = 0
        try:
            time.sleep(rng.uniform(0, self.pause[1]))  # people do not all start at once
            while time.monotonic() < stop:
                row = rng.choice(person.algorithms)
                kind = rng.choice(list(PANELS))
                key = (kind, row)
                if key not in forms:
                    forms[key] = self.open_form(conn, kind, row)
                name = rng.choice(PANELS[kind][1])
                seq += 1
                value = f"{person.username}第{seq}次保存：{name}，根据用户的浏览记录推荐资讯。"
                if not self.autosave(conn, forms[key], name, value):
                    # A conflict: this simulated person takes theirs (reloads the step).
                    forms[key] = self.open_form(conn, kind, row)
                time.sleep(rng.uniform(*self.pause))
        except Exception as error:  # noqa: BLE001 - reported with the figures
            self.failures.append(f"{person.username}: {error!r}")
        finally:
            conn.close()

    def _reviewer(self, index: int, person: Person, stop: float) -> None:
        rng = random.Random(self.seed * 1000 + 500 + index)
        conn = Connection(self.port, person)
        dashboard = self.reverse("filings:dashboard", args=[SLUG])
        try:
            while time.monotonic() < stop:
                _a, _d, filing_pk = rng.choice(person.algorithms)
                for path in (self.reverse("reviews:review", args=[SLUG, filing_pk]), dashboard):
                    sent, answered, status, _r, data = conn.request("GET", path)
                    self.tally.count("page", status, sent, answered)
                    if status != 200:
                        self.failures.append(f"GET {path} answered {status}: {data[:300]!r}")
                    time.sleep(rng.uniform(1.0, 3.0))
        except Exception as error:  # noqa: BLE001 - reported with the figures
            self.failures.append(f"{person.username}: {error!r}")
        finally:
            conn.close()


# ---------------------------------------------------------------------------
# Verification and report
# ---------------------------------------------------------------------------


def verify(acks: list[Ack]) -> tuple[list[str], int]:
    """Lost saves, from the database: (descriptions, number of (object, field) checked)."""
    from filings.models import Algorithm, Disclosure

    models = {"algorithm-detail": Algorithm, "disclosure": Disclosure}
    by_field: dict[tuple, list[Ack]] = {}
    for ack in acks:
        by_field.setdefault((ack.kind, ack.obj_pk, ack.field), []).append(ack)
    lost = []
    for (kind, pk, name), saves in sorted(by_field.items()):
        model = models[kind]
        stored = model.objects.filter(pk=pk).values_list(name, flat=True).first()
        written = set(model.history.filter(id=pk).values_list(name, flat=True))
        for ack in saves:
            if ack.value not in written:
                lost.append(f"{kind} {pk} {name}: acknowledged {ack.value!r} never written")
        # The stored value must be one that no acknowledged save certainly came after.
        latest = [a for a in saves if not any(b.sent > a.answered for b in saves if b is not a)]
        if stored not in {a.value for a in latest}:
            lost.append(
                f"{kind} {pk} {name}: stored {stored!r}, last acknowledged "
                f"{[a.value for a in latest]!r}"
            )
    return lost, len(by_field)


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        v = values[0] if values else float("nan")
        return v, v, v
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], max(values)


def report(run: Run, single: list[float], args, lost: list[str], checked: int) -> bool:
    t = run.tally
    s50, s95, smax = _quantiles(single)
    a50, a95, amax = _quantiles(t.latencies["autosave"])
    p50, p95, pmax = _quantiles(t.latencies["page"])
    server_errors = sum(n for status, n in t.statuses.items() if status >= 500)
    ratio = a95 / s95 if s95 else float("inf")
    saves = len(t.latencies["autosave"])
    print(
        f"\nsingle user: {len(single)} autosaves alone, ms p50 {s50:.1f}  p95 {s95:.1f}  max {smax:.1f}"
    )
    print(
        f"load:        {run.elapsed:.1f} s, {args.editors} editors (an autosave "
        f"{args.pause[0]:g}-{args.pause[1]:g} s after each answer), {args.reviewers} reviewers "
        "(a page every 1-3 s)"
    )
    print(f"requests:    {t.requests} in {run.elapsed:.1f} s = {t.requests / run.elapsed:.1f}/s")
    print(
        f"autosave:    {saves} requests, {len(run.acks)} saved, {t.conflicts} conflicts "
        f"(refused, not acknowledged), {t.refused} field errors, {t.busy} busy (503)"
    )
    print(f"             ms p50 {a50:.1f}  p95 {a95:.1f}  max {amax:.1f}")
    print(
        f"pages:       {len(t.latencies['page'])} GETs, ms p50 {p50:.1f}  p95 {p95:.1f}  max {pmax:.1f}"
    )
    print(f"statuses:    {dict(sorted(t.statuses.items()))}")
    print(f"5xx:         {server_errors} (of which 503 busy: {t.statuses.get(503, 0)})")
    print(f"p95 ratio:   {ratio:.2f} (load p95 / single-user p95; target <= {TARGET_RATIO:g})")
    print(f"verified:    {len(run.acks)} acknowledged saves on {checked} (object, field) pairs")
    print(f"lost saves:  {len(lost)}")
    for line in lost[:10]:
        print(f"  {line}")
    for line in run.failures[:10]:
        print(f"failure:     {line}")
    ok = not lost and server_errors == 0 and ratio <= TARGET_RATIO and not run.failures
    print(
        f"targets:     {'PASS' if ok else 'MISS'} (0 lost, 0 5xx, p95 ratio <= {TARGET_RATIO:g}"
        f"{', no failures' if not run.failures else f', {len(run.failures)} failures'})"
    )
    return ok


if __name__ == "__main__":
    sys.exit(main())
