"""Every page answers, and reading changes nothing.

A breadth-first walk from the dashboard follows every same-site link (href
and hx-get) and GETs it, as each role of the demo workspace, as the owner of a
brand-new workspace right after its first "New algorithm", and after the
self-assessment of every demo algorithm was started. Every answer must be
below 500, no GET may write to the database (tests.readonly), and the
workspace's export, versions, activity, filing statuses and the row count of
every domain model are the same before and after the walk.

The walk discovers the pages, it does not list them: a page added later is
walked as soon as something links to it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.catalogue import ensure_loaded
from assessments.models import Answer, Assessment
from assessments.selectors import assessment_status
from demo.workspace import DEMO_REVIEWER, DEMO_USERNAME, load_demo
from filings import interchange
from filings.models import Activity, Algorithm, Filing, SnapshotVersion
from tests.readonly import no_writes
from workspaces.accounts import mark_email_verified
from workspaces.models import Membership, Role, Workspace

pytestmark = pytest.mark.django_db(transaction=False)

# Generous: the demo walk visits a few hundred pages. Hitting the cap fails
# the test, so the walk never stops early without saying so.
MAX_PAGES = 3000
# The same path with other values of the same query parameters (sort and
# filter links) is walked this many times at most.
MAX_QUERY_VARIANTS = 12
SKIPPED_PATHS = ("/accounts/logout/", "/static/", "/media/")
# Models whose rows a read may add: the audit log of full views of personal data.
READ_MAY_WRITE = {"workspaces.auditlog"}
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # the export's own timestamp is not data
DOMAIN_APPS = ("workspaces", "filings", "assessments", "reviews", "documents", "registry")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, bool]] = []  # (url, is an htmx request)

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append((attrs["href"], False))
        if attrs.get("hx-get"):
            self.links.append((attrs["hx-get"], True))


def _links(html: str) -> list[tuple[str, bool]]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def _normalise(base: str, href: str) -> tuple[str, str] | None:
    """(path, sorted query) of a same-site link, or None for anything else."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("http", "https", "") or parts.netloc not in ("testserver", ""):
        return None
    if parts.path.startswith(SKIPPED_PATHS):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path, query


class Crawl:
    def __init__(self, client, start: str, label: str) -> None:
        self.client = client
        self.start = start
        self.label = label
        self.visited: dict[str, int] = {}  # url -> status
        self.failures: list[str] = []
        self.seconds = 0.0

    def run(self) -> Crawl:
        began = time.monotonic()
        queue: deque[tuple[str, bool, str]] = deque([(self.start, False, "(start)")])
        seen = {self.start}
        variants: dict[tuple[str, frozenset], int] = {}
        while queue:
            assert len(self.visited) < MAX_PAGES, (
                f"{self.label}: the walk reached {MAX_PAGES} pages; raise MAX_PAGES "
                "or normalise more links"
            )
            url, htmx, referer = queue.popleft()
            headers = {"HX-Request": "true"} if htmx else {}
            with no_writes(label=f"{self.label}: GET {url} (linked from {referer})"):
                response = self.client.get(url, headers=headers)
                if response.streaming:
                    # Consumed to the end, the test client closes the file.
                    for _chunk in response.streaming_content:
                        pass
            self.visited[url] = response.status_code
            if response.status_code >= 500:
                self.failures.append(f"{response.status_code} {url} (linked from {referer})")
                continue
            found: list[tuple[str, bool]] = []
            if response.status_code in (301, 302, 303, 307, 308):
                found.append((response["Location"], htmx))
            elif not response.streaming and response.get("Content-Type", "").startswith(
                "text/html"
            ):
                found.extend(_links(response.content.decode()))
            for href, is_htmx in found:
                normal = _normalise(url, href)
                if normal is None:
                    continue
                path, query = normal
                target = f"{path}?{query}" if query else path
                if target in seen:
                    continue
                names = frozenset(name for name, _value in parse_qsl(query))
                if names:
                    count = variants.get((path, names), 0)
                    if count >= MAX_QUERY_VARIANTS:
                        continue
                    variants[(path, names)] = count + 1
                seen.add(target)
                queue.append((target, is_htmx, url))
        self.seconds = time.monotonic() - began
        return self


def _state(workspace: Workspace) -> dict:
    """What no read may change."""
    counts = {}
    for app in DOMAIN_APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.label_lower not in READ_MAY_WRITE:
                counts[model._meta.label_lower] = model.objects.count()
    return {
        "export": interchange.dumps(interchange.export_workspace(workspace, exported_at=EPOCH)),
        "versions": SnapshotVersion.objects.count(),
        "activity": Activity.objects.count(),
        "statuses": sorted(Filing.objects.values_list("pk", "status")),
        "counts": counts,
    }


def _walk(client, user, workspace: Workspace, label: str) -> Crawl:
    ensure_loaded()  # reference data, loaded once before anyone reads
    # As every account has (sign-up, migration workspaces/0006): else allauth's
    # email page records the address on its first visit.
    mark_email_verified(user)
    client.force_login(user)
    before = _state(workspace)
    crawl = Crawl(client, reverse("filings:dashboard", args=[workspace.slug]), label).run()
    after = _state(workspace)
    assert not crawl.failures, f"{label}: pages answered 5xx:\n" + "\n".join(crawl.failures)
    for key in before:
        assert after[key] == before[key], f"{label}: a read changed the {key}"
    # The walk reached the pages of the workspace, not just the dashboard.
    assert sum(1 for url in crawl.visited if url.startswith(f"/w/{workspace.slug}/")) > 3
    print(f"{label}: {len(crawl.visited)} pages in {crawl.seconds:.1f} s")
    return crawl


@pytest.fixture
def demo(db):
    return load_demo()


def _member(workspace: Workspace, role: str):
    if role == Role.OWNER:
        return get_user_model().objects.get(username=DEMO_USERNAME)
    if role == Role.REVIEWER:
        return get_user_model().objects.get(username=DEMO_REVIEWER)
    user = get_user_model().objects.create_user(f"crawl-{role}", f"crawl-{role}@example.cn")
    Membership.objects.create(workspace=workspace, user=user, role=role)
    return user


@pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR, Role.REVIEWER, Role.VIEWER])
def test_every_page_of_the_demo_answers_and_reading_changes_nothing(client, demo, role):
    crawl = _walk(client, _member(demo, role), demo, f"demo as {role}")
    # Each algorithm's wizard, checks and self-assessment were reached.
    for algorithm in demo_algorithms(demo):
        base = f"/w/{demo.slug}/algorithms/{algorithm.pk}/"
        assert f"{base}edit/review/" in crawl.visited
        assert f"{base}assessment/" in crawl.visited


def demo_algorithms(workspace):
    return Algorithm.objects.in_workspace(workspace)


def test_a_new_workspace_after_its_first_algorithm(client):
    user = get_user_model().objects.create_user("newcomer", "newcomer@example.cn")
    client.force_login(user)
    response = client.post(reverse("workspace-create"), {"name": "新团队", "slug": "new-team"})
    assert response.status_code == 302
    workspace = Workspace.objects.get(slug="new-team")
    response = client.post(reverse("filings:algorithm-create", args=[workspace.slug]))
    assert response.status_code == 302
    algorithm = workspace_algorithm(workspace)
    provider = algorithm.provider
    assert provider.name == ""
    # A refused upload shows its message (the provider has no name yet).
    for url, slot in (
        (reverse("filings:provider-upload", args=[workspace.slug, provider.pk]), "licence_scan"),
        (reverse("filings:algorithm-upload", args=[workspace.slug, algorithm.pk]), "flowchart"),
    ):
        refused = client.post(url, {"slot": slot, "file": _file("scan.pdf", b"not a PDF")})
        assert refused.status_code == 400
    # An accepted one, so that the walk downloads a file.
    accepted = client.post(
        reverse("filings:algorithm-upload", args=[workspace.slug, algorithm.pk]),
        {"slot": "flowchart", "file": _file("flow.pdf", PDF)},
    )
    assert accepted.status_code == 302
    crawl = _walk(client, user, workspace, "new workspace")
    assert any("/edit/review/" in url for url in crawl.visited)
    assert any(url.startswith(f"/w/{workspace.slug}/attachments/") for url in crawl.visited)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _file(name: str, content: bytes):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def workspace_algorithm(workspace):
    return Algorithm.objects.in_workspace(workspace).select_related("provider").get()


def test_the_demo_after_each_self_assessment_was_started(client, demo):
    """The state the self-assessment page used to leave behind when opened: an
    assessment without a conclusion and an empty answer for every item (so
    databases that were used before reads stopped writing have it)."""
    for algorithm in demo_algorithms(demo):
        assessment, _created = Assessment.objects.get_or_create(
            algorithm=algorithm, defaults={"workspace": demo}
        )
        Assessment.objects.filter(pk=assessment.pk).update(conclusion="")
        for row in assessment_status(algorithm).rows:
            Answer.objects.get_or_create(
                assessment=assessment, item=row.item_id, defaults={"workspace": demo}
            )
    _walk(client, _member(demo, Role.OWNER), demo, "demo with started assessments")


def test_the_guard_sees_a_write(db):
    from tests.readonly import WriteOnRead

    with pytest.raises(WriteOnRead), no_writes(label="this block"):
        Workspace.objects.create(name="写", slug="written")
