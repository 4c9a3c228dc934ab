"""Rendering a document: a pure function of a snapshot and its gathered context.

    render(snapshot, "report", context=...) -> PDF bytes

`snapshot` is a version's frozen snapshot (filings.snapshot); the context
carries the version's digest, which every page prints, and the filing's
lifecycle (draft or the approved/filed version). No database access: the worker (documents.services.job_run) and the
`render_filing` command call the same function. WeasyPrint reaches nothing
but our own static files (`StaticOnlyFetcher`) and the uploaded PNG/JPEG
images of the version rendered, by their SHA-256 (`attachments/<sha256>`,
served through the reader the caller passes to `make_fetcher`, which knows
only that version's attachments); user text is escaped by the templates and
never enters a URL, a style or an attribute WeasyPrint acts on.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation

from . import content
from .models import DocumentKind

logger = logging.getLogger(__name__)
# WeasyPrint logs each of its seven steps at INFO: noise in a worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# Relative URLs in the templates ({% static %}) resolve against this
# address, which never resolves on any network (RFC 2606 .invalid); the
# fetcher maps it onto the static files and refuses everything else.
BASE_URL = "https://documents.suanbei.invalid/"
STATIC_EXTENSIONS = frozenset({".css", ".png", ".svg", ".jpg", ".jpeg"})
MAX_STATIC_BYTES = 2 * 1024 * 1024
MAX_DATA_URL_BYTES = 4 * 1024
# Uploaded images the documents embed (documents.package): BASE_URL + attachments/<sha256>.
ATTACHMENT_PATH = re.compile(r"/attachments/([0-9a-f]{64})")
IMAGE_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def image_type(body: bytes) -> str | None:
    """The media type of a PNG or JPEG, read from its first bytes; None for anything else."""
    for signature, media in IMAGE_SIGNATURES:
        if body.startswith(signature):
            return media
    return None


BODIES = {
    DocumentKind.FORM.value: "documents/pdf/_form.html",
    DocumentKind.REPORT.value: "documents/pdf/_report.html",
    DocumentKind.DISCLOSURE.value: "documents/pdf/_disclosure.html",
    DocumentKind.RESPONSIBILITY.value: "documents/pdf/_responsibility.html",
    DocumentKind.COMMITMENT.value: "documents/pdf/_commitment.html",
    DocumentKind.OFFICER_PROOF.value: "documents/pdf/_officer_proof.html",
}


class FetchRefused(ValueError):
    """WeasyPrint catches it, logs a warning and leaves the resource out."""


def _static_path(url_path: str) -> Path | None:
    prefix = urlsplit(settings.STATIC_URL).path or "/static/"
    if not url_path.startswith(prefix):
        return None
    relative = unquote(url_path[len(prefix) :])
    normalized = posixpath.normpath(relative)
    if normalized != relative or normalized.startswith(("/", "..")) or "\\" in relative:
        return None
    if posixpath.splitext(normalized)[1].lower() not in STATIC_EXTENSIONS:
        return None
    try:
        found = finders.find(normalized)
    except SuspiciousFileOperation:
        return None
    if not found:
        # A hashed name of ManifestStaticFilesStorage exists only after collectstatic.
        candidate = Path(settings.STATIC_ROOT) / normalized
        found = str(candidate) if candidate.is_file() else None
    return Path(found) if found else None


def _fetcher_class():
    # Imported here: WeasyPrint (and its C libraries) load only where rendering happens.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves our own static files and small data: URLs; refuses everything else.

        `requested` records every URL WeasyPrint asked for and `refused`
        those it did not get, for logs and tests.
        """

        def __init__(self, attachments=None):
            super().__init__(timeout=1, allow_redirects=False, fail_on_errors=False)
            self.requested: list[str] = []
            self.refused: list[str] = []
            # sha256 -> bytes or None: the attachments of the version rendered, and no other
            # file (documents.services.attachment_reader); None serves no attachment at all.
            self.attachments = attachments

        def _attachment(self, url: str, sha256: str):
            if self.attachments is None:
                self._refuse(url, "no attachments for this render")
            body = self.attachments(sha256)
            if body is None:
                self._refuse(url, "not an attachment of this version")
            if hashlib.sha256(body).hexdigest() != sha256:
                self._refuse(url, "attachment bytes do not match their SHA-256")
            media = image_type(body)
            if media is None:
                self._refuse(url, "attachment is not a PNG or JPEG image")
            return URLFetcherResponse(url, body, {"Content-Type": media})

        def _refuse(self, url: str, why: str):
            self.refused.append(url)
            logger.warning("document render: refused to fetch %.200s (%s)", url, why)
            raise FetchRefused(f"refused: {why}")

        def fetch(self, url, headers=None):
            self.requested.append(url)
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme == "data":
                if len(url) > MAX_DATA_URL_BYTES * 4 // 3 + 64:
                    self._refuse(url, "data URL too large")
                header, comma, payload = parts.path.partition(",")
                if not comma:
                    self._refuse(url, "malformed data URL")
                if header.endswith(";base64"):
                    try:
                        body = base64.b64decode(payload, validate=False)
                    except ValueError:
                        self._refuse(url, "malformed data URL")
                    media_type = header[: -len(";base64")]
                else:
                    body = unquote(payload).encode()
                    media_type = header
                if len(body) > MAX_DATA_URL_BYTES:
                    self._refuse(url, "data URL too large")
                return URLFetcherResponse(url, body, {"Content-Type": media_type or "text/plain"})
            base = urlsplit(BASE_URL)
            if scheme != base.scheme or parts.netloc != base.netloc:
                self._refuse(url, "not one of our static files")
            if parts.query or parts.fragment:
                self._refuse(url, "query or fragment")
            attachment = ATTACHMENT_PATH.fullmatch(parts.path)
            if attachment:
                return self._attachment(url, attachment.group(1))
            path = _static_path(parts.path)
            if path is None:
                self._refuse(url, "not one of our static files")
            if path.stat().st_size > MAX_STATIC_BYTES:
                self._refuse(url, "static file too large")
            media = {
                ".css": "text/css",
                ".png": "image/png",
                ".svg": "image/svg+xml",
                ".jpg": "image/jpeg",
                ".jpeg": "image/jpeg",
            }[path.suffix.lower()]
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media})

    return StaticOnlyFetcher


def make_fetcher(attachments=None):
    """The fetcher of one render; `attachments` (sha256 -> bytes or None) serves the
    version's uploaded images (documents.services.attachment_reader)."""
    return _fetcher_class()(attachments)


def render_html(snapshot: dict, document: str, *, context: dict) -> str:
    """The HTML WeasyPrint lays out (also what tests read without WeasyPrint)."""
    document = DocumentKind(document)
    data = content.build(snapshot, context, snapshot_hash=context["digest"])
    template = (
        "documents/pdf/package.html"
        if document == DocumentKind.PACKAGE
        else "documents/pdf/document.html"
    )
    # The documents are in Chinese whatever the requester's language.
    with translation.override("zh-hans"):
        return render_to_string(
            template,
            {
                "d": data,
                "document": document.value,
                "body": BODIES.get(document.value),
                "bodies": BODIES,
            },
        )


def pdf_from_html(html: str, *, fetcher=None) -> bytes:
    from weasyprint import HTML

    fetcher = fetcher or make_fetcher()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()


def render(snapshot: dict, document: str, *, context: dict, fetcher=None) -> bytes:
    """The PDF of `document` for the algorithm in `snapshot`."""
    return pdf_from_html(render_html(snapshot, document, context=context), fetcher=fetcher)
