"""The role table (workspaces.permissions) covers every view.

1. Every URL of our apps names a view that declares what it needs:
   `@requires(Capability.X)`, or `@public` / `@signed_in` for the few pages
   outside any workspace. Third-party pages are listed here by name.
2. For each capability, a representative URL answers each role as the table
   says: refused (403) exactly for the roles without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from documents.models import DocumentJob, JobStatus
from tests.factories import AlgorithmFactory, FilingFactory, ProviderFactory
from tests.workspaces.conftest import ROLES
from workspaces.models import Role
from workspaces.permissions import (
    PUBLIC,
    ROLE_CAPABILITIES,
    SIGNED_IN,
    Capability,
    Grants,
    role_may,
)

# Our apps: every view they route must declare its capability.
OURS = ("workspaces", "filings", "reviews", "documents", "assessments", "registry", "config")
# Pages of other packages, public or guarded by themselves: the admin (staff only),
# Django's language switcher and login/logout pages, django-allauth's pages.
THIRD_PARTY = ("django.views.i18n", "django.contrib.auth.views", "allauth.")
SKIPPED_NAMESPACES = ("admin",)


@dataclass(frozen=True)
class Route:
    route: str
    name: str
    view: object
    converters: dict

    @property
    def module(self) -> str:
        view_class = getattr(self.view, "view_class", None)
        return (view_class or self.view).__module__

    @property
    def capability(self):
        return getattr(self.view, "capability", None)

    def url(self) -> str:
        """The route with a made-up value for each parameter."""
        kwargs = {
            key: 1 if type(converter).__name__ == "IntConverter" else "x"
            for key, converter in self.converters.items()
        }
        return reverse(self.name, kwargs=kwargs)


def _routes(patterns=None, prefix="", namespace="", converters=None):
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        found = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), inner, found)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}".lstrip(":") if entry.name else ""
            yield Route(prefix + str(entry.pattern), name, entry.callback, found)


def _ours() -> list[Route]:
    return [r for r in _routes() if r.module.split(".")[0] in OURS]


def test_every_route_is_ours_or_a_listed_third_party_page():
    unknown = [
        (r.route, r.module)
        for r in _routes()
        if r.module.split(".")[0] not in OURS and not r.module.startswith(THIRD_PARTY)
    ]
    assert unknown == []


def test_every_view_of_ours_declares_its_capability():
    allowed = {*Capability.values, PUBLIC, SIGNED_IN}
    undeclared = [(r.route, r.name) for r in _ours() if r.capability not in allowed]
    assert undeclared == []
    assert len(_ours()) > 50  # the walk found the apps' URLs


def test_workspace_views_and_the_others_are_told_apart_by_the_url():
    """A capability is asked inside a workspace (its slug in the URL); the
    public and signed-in pages belong to none."""
    for route in _ours():
        in_workspace = "slug" in route.converters
        assert in_workspace is (route.capability in Capability.values), route.route


@pytest.mark.django_db
def test_every_page_but_the_public_ones_asks_an_anonymous_visitor_to_log_in(client):
    login = resolve_url(settings.LOGIN_URL)
    for route in _ours():
        if route.capability == PUBLIC:
            continue
        response = client.get(route.url())
        assert response.status_code == 302, route.route
        assert response["Location"].startswith(login), route.route


def test_every_capability_the_templates_ask_for_exists():
    names = set()
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        names |= set(re.findall(r"access\.may\.(\w+)", path.read_text(encoding="utf-8")))
    assert names  # the templates do ask
    assert names - set(Capability.values) == set()


def test_every_role_has_a_row_and_owners_may_do_everything():
    assert set(ROLE_CAPABILITIES) == set(Role.values)
    assert ROLE_CAPABILITIES[Role.OWNER] == frozenset(Capability)
    assert all(Capability.VIEW in granted for granted in ROLE_CAPABILITIES.values())
    assert Grants(Role.VIEWER)["view"] and not Grants(Role.VIEWER)("edit")
    assert not Grants(None)(Capability.VIEW)


# ---------------------------------------------------------------------------
# The table's answer is what the views do.
# ---------------------------------------------------------------------------

MOBILE = "13912345678"


@pytest.fixture
def place(team):
    workspace = team["workspace"]
    provider = ProviderFactory(workspace=workspace, officer_mobile=MOBILE)
    algorithm = AlgorithmFactory(provider=provider)
    filing = FilingFactory(algorithm=algorithm)
    name = f"documents/{workspace.pk}/{algorithm.pk}/permissions-test.pdf"
    data = b"%PDF-1.7 a masked copy"
    default_storage.save(name, ContentFile(data))
    job = DocumentJob.objects.create(
        workspace=workspace,
        algorithm=algorithm,
        document="form",
        masked=True,
        status=JobStatus.DONE,
        snapshot_hash="0" * 64,
        version=1,
        file=name,
        size=len(data),
    )
    return {"slug": workspace.slug, "provider": provider, "algorithm": algorithm,
            "filing": filing, "job": job}  # fmt: skip


def _refused(response) -> bool:
    return response.status_code == 403


# capability -> (what is asked, whether the answer says "allowed")
CASES = {
    Capability.VIEW: lambda c, p: c.get(reverse("filings:algorithm", args=[p["slug"], p["algorithm"].pk])).status_code == 200,
    Capability.EDIT: lambda c, p: not _refused(c.get(reverse("filings:algorithm-delete", args=[p["slug"], p["algorithm"].pk]))),
    Capability.COMMENT: lambda c, p: not _refused(c.post(reverse("reviews:thread-create", args=[p["slug"], p["filing"].pk]), {})),
    # No review is open: those who may decide are told so; the others are refused.
    Capability.REVIEW: lambda c, p: not _refused(c.post(reverse("reviews:decide", args=[p["slug"], p["filing"].pk]), {})),
    Capability.RECORD_CAC_EVENTS: lambda c, p: not _refused(c.post(reverse("reviews:submission", args=[p["slug"], p["filing"].pk]), {})),
    Capability.CORRECT_FILING_NUMBER: lambda c, p: not _refused(c.post(reverse("filings:filing-number-correct", args=[p["slug"], p["filing"].pk]), {})),
    Capability.SEE_PERSONAL_DATA_FULL: lambda c, p: MOBILE in c.get(reverse("filings:provider", args=[p["slug"], p["provider"].pk])).content.decode(),
    Capability.REVEAL_PERSONAL_DATA: lambda c, p: not _refused(c.post(reverse("filings:pii-reveal", args=[p["slug"], p["provider"].pk, "officer_mobile"]))),
    # An unknown document: refused, or sent back with a message (nothing rendered).
    Capability.GENERATE_DOCUMENTS: lambda c, p: not _refused(c.post(reverse("documents:generate", args=[p["slug"], p["algorithm"].pk]), {"document": "?"})),
    Capability.DOWNLOAD_DOCUMENTS: lambda c, p: c.get(reverse("documents:download", args=[p["slug"], p["job"].pk])).status_code == 200,
    Capability.EXPORT: lambda c, p: c.get(reverse("filings:export", args=[p["slug"]])).status_code == 200,
    Capability.IMPORT: lambda c, p: c.get(reverse("filings:import", args=[p["slug"]])).status_code == 200,
    Capability.MANAGE_MEMBERS: lambda c, p: not _refused(c.post(reverse("invitation-create", args=[p["slug"]]), {})),
    Capability.SETTINGS: lambda c, p: c.get(reverse("reviews:settings", args=[p["slug"]])).status_code == 200,
}  # fmt: skip


def test_each_capability_has_a_representative_url():
    assert set(CASES) == set(Capability)


@pytest.mark.django_db
@pytest.mark.parametrize("capability", list(Capability))
@pytest.mark.parametrize("role", ROLES)
def test_the_view_answers_as_the_table_says(client, team, place, role, capability):
    client.force_login(team[role])
    assert CASES[capability](client, place) is role_may(role, capability)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_refused_request_changes_nothing(client, team, place, role):
    """Refused before anything else: a viewer's or reviewer's edit writes nothing."""
    from filings.models import Algorithm

    client.force_login(team[role])
    before = Algorithm.objects.count()
    response = client.post(reverse("filings:algorithm-create", args=[place["slug"]]))
    if role_may(role, Capability.EDIT):
        assert response.status_code == 302 and Algorithm.objects.count() == before + 1
    else:
        assert response.status_code == 403 and Algorithm.objects.count() == before
