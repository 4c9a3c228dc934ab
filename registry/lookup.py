"""Reads of the published lists for other apps: one query each."""

from __future__ import annotations

from typing import TypedDict

from django.core.exceptions import ValidationError

from filings.validators import normalize_code, validate_filing_number

from .models import RegistryImport, RegistryRecord


def listings(filing_number: str):
    """Every listing of a number, most recent first (a number can be in two lists)."""
    return RegistryRecord.objects.filter(filing_number=filing_number.strip()).order_by(
        "-announcement_date", "-pk"
    )


def lookup(filing_number: str) -> RegistryRecord | None:
    """The most recent listing of a filing number, or None."""
    return listings(filing_number).first()


def latest_import() -> RegistryImport | None:
    return RegistryImport.objects.order_by("-finished_at", "-pk").first()


def latest_batch() -> str | None:
    """The batch of the most recently announced listing loaded, e.g. "2026年5月"."""
    return (
        RegistryRecord.objects.order_by("-announcement_date", "-pk")
        .values_list("batch", flat=True)
        .first()
    )


class ThirdPartyNumber(TypedDict):
    status: str  # "found" | "absent" | "malformed"
    record: RegistryRecord | None
    latest_batch: str | None


def describe_third_party_number(number: str) -> ThirdPartyNumber:
    """What the loaded lists say about a vendor's filing number.

    - "malformed": not 网信算备 + 21 (or the one published 22) digits + 号;
    - "found": `record` is its most recent listing;
    - "absent": well formed but in none of the lists loaded. The lists lag
      the filings by months, so callers should warn, naming `latest_batch`,
      rather than reject.

    `latest_batch` is None when no list has been loaded at all.
    """
    number = normalize_code(number)
    batch = latest_batch()
    try:
        validate_filing_number(number)
    except ValidationError:
        return {"status": "malformed", "record": None, "latest_batch": batch}
    record = lookup(number)
    return {"status": "found" if record else "absent", "record": record, "latest_batch": batch}


def _describe_gai_number(number: str):
    from .genai import describe_gai_number

    return describe_gai_number(number)


# The checks find the generative-AI lists through the registry look-up they are
# given (filings.checks.generative_route_checks), so a stand-in look-up in a
# test needs no database.
describe_third_party_number.gai = _describe_gai_number  # type: ignore[attr-defined]
