"""The Content-Security-Policy: enforced in production and in the tests, reported in
development, and no template holds what it would refuse (inline scripts, event
handlers, style attributes)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
ENFORCED = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"


def directives(header: str | None) -> dict[str, list[str]]:
    """'a x y; b z' -> {'a': ['x', 'y'], 'b': ['z']}."""
    assert header, "no policy header"
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


# --- the header, per settings module ------------------------------------------

# Runs in a fresh interpreter with the settings module under test: a public
# page that needs no database (the interchange schema) through the whole
# middleware stack, over HTTPS as behind production's proxy.
REQUEST = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/schema/workspace-1.json", secure=True, headers={"host": HOST})
print(json.dumps({"status": response.status_code,
                  "enforced": response.get("Content-Security-Policy"),
                  "report_only": response.get("Content-Security-Policy-Report-Only")}))
"""


def _headers(settings_module: str, host: str, **env) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    clean.update(env, DJANGO_SETTINGS_MODULE=settings_module)
    clean.setdefault("SUANBEI_VAR_DIR", "/tmp/suanbei-settings-test")
    result = subprocess.run(
        [sys.executable, "-c", f"HOST = {host!r}\n" + REQUEST],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    return answer


def test_it_enforces_the_policy_with_production_settings():
    answer = _headers(
        "config.settings.production",
        "suanbei.example.cn",
        DJANGO_SECRET_KEY="p" * 20 + "roduction-secret-key-for-the-csp-test-0123456789abc",
        DJANGO_ALLOWED_HOSTS="suanbei.example.cn",
        DATABASE_URL="postgres://suanbei@127.0.0.1:5432/suanbei",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert directives(answer["enforced"]) == POLICY
    assert answer["report_only"] is None


def test_it_only_reports_with_development_settings(tmp_path):
    answer = _headers("config.settings.local", "localhost", SUANBEI_VAR_DIR=str(tmp_path))
    assert directives(answer["report_only"]) == POLICY
    assert answer["enforced"] is None


@pytest.mark.django_db
def test_it_enforces_the_policy_on_pages_in_the_tests(client, owner, workspace):
    """The test settings enforce it too, so the browser tests run under it."""
    client.force_login(owner)
    for url in (
        reverse("filings:dashboard", args=[workspace.slug]),
        reverse("members", args=[workspace.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert directives(response.get(ENFORCED)) == POLICY, url
        assert REPORT_ONLY not in response


# --- what the templates may not hold -------------------------------------------

# Templates no browser receives from us: PDFs (WeasyPrint lays them out on the
# server, CSP does not apply) and emails (read in mail clients).
NOT_PAGES = ("documents/pdf/", "/email/", "/emails/")

COMMENTS = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
CHECKS = {
    "inline event handler": re.compile(r"(?<![\w:-])on[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"(?<![\w:-])style\s*=", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "hx-on attribute": re.compile(r"\bhx-on\b", re.I),
}
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)


def violations(source: str) -> list[str]:
    """What the Content-Security-Policy would refuse in one template's source."""
    source = COMMENTS.sub("", source)
    found = [name for name, pattern in CHECKS.items() if pattern.search(source)]
    for attributes, body in SCRIPT.findall(source):
        if body.strip() and not re.search(r"""type\s*=\s*["']application/json""", attributes):
            found.append("inline script")
        if re.search(r"""src\s*=\s*["']?\s*(https?:)?//""", attributes):
            found.append("script from another site")
    return found


def page_templates() -> list[Path]:
    folders = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
    return [
        path
        for folder in folders
        for path in sorted(folder.rglob("*.html"))
        if not any(part in path.relative_to(ROOT).as_posix() for part in NOT_PAGES)
    ]


def test_it_reads_the_templates_of_every_folder():
    names = {path.relative_to(ROOT).as_posix() for path in page_templates()}
    assert "templates/base.html" in names
    assert "templates/workspaces/members.html" in names
    assert any(name.startswith("workdays/templates/") for name in names)
    assert not any(name.startswith("templates/documents/pdf/") for name in names)


def test_no_template_holds_what_the_policy_refuses():
    found = {
        path.relative_to(ROOT).as_posix(): problems
        for path in page_templates()
        if (problems := violations(path.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("""<form onsubmit="return confirm('x')">""", "inline event handler"),
        ("""<button ONCLICK='go()'>""", "inline event handler"),
        ("""<div class="a" style="width: 5%">""", "style attribute"),
        ("<style>p { color: red }</style>", "<style> element"),
        ("""<a href="javascript:void(0)">""", "javascript: URL"),
        ("""<div hx-on:click="alert(1)">""", "hx-on attribute"),
        ("<script>alert(1)</script>", "inline script"),
        ("""<script src="https://cdn.example.com/x.js"></script>""", "script from another site"),
    ],
)
def test_the_check_finds_each_kind(source, problem):
    assert problem in violations(source)


@pytest.mark.parametrize(
    "source",
    [
        """<form data-confirm="Remove?" method="post">""",
        """<script src="{% static 'js/suanbei.js' %}" data-label="x"></script>""",
        """<script id="d" type="application/json">{"a": 1}</script>""",
        "{# an onclick= handler would break the policy #}<p>Depends on=none</p>",
        """<span data-style="x" data-onload="y">""",
    ],
)
def test_the_check_lets_the_allowed_forms_through(source):
    assert violations(source) == []
