"""Load a CSV of the CAC's published filing lists into RegistryRecord.

The file has the columns of shared/data/cac/records.csv (UTF-8, with or
without a BOM). An import is all or nothing: the whole file is read and
checked first, every problem is collected with its row number, and only a
clean file is written, in one transaction. Re-importing is safe: listings
are matched on (filing number, list), changed ones are updated, none is
duplicated, and listings absent from the file are left alone (a file may
hold a single new batch).

Row numbers count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filings.validators import validate_filing_number

from .lookup import latest_batch
from .models import PUBLISHED_FIELDS, RegistryImport, RegistryRecord

# CSV column -> model field. Every column is required in the header.
COLUMNS = {
    "filingType": "filing_type",
    "batch": "batch",
    "announcementDate": "announcement_date_text",
    "algorithmName": "algorithm_name",
    "algorithmClass": "algorithm_class",
    "role": "role",
    "entityName": "entity_name",
    "product": "product",
    "purpose": "purpose",
    "recordNumber": "filing_number",
    "remark": "remark",
    "province": "province",
    "domainTags": "domain_tags",
    "sourceUrl": "source_url",
}
# Columns that may not be blank in any row.
REQUIRED_VALUES = (
    "recordNumber",
    "filingType",
    "batch",
    "announcementDate",
    "algorithmName",
    "algorithmClass",
    "entityName",
)
DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
BATCH_SIZE = 500
# A file with thousands of bad rows is one mistake, not thousands: the
# message shows this many problems and counts the rest.
PROBLEMS_SHOWN = 20


class RegistryImportError(Exception):
    """The file was refused; `problems` says why, row by row. Nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:PROBLEMS_SHOWN]
        if len(problems) > PROBLEMS_SHOWN:
            shown.append(_("… and %(n)d more problems.") % {"n": len(problems) - PROBLEMS_SHOWN})
        super().__init__("\n".join(shown))


@dataclass
class ImportResult:
    rows_total: int
    created: int
    updated: int
    unchanged: int
    seconds: float
    record: RegistryImport = field(repr=False)


def import_registry(source: str | os.PathLike | IO) -> ImportResult:
    """Import a list file given as a path or an open file (binary, or text already decoded)."""
    started_at = timezone.now()
    clock = time.perf_counter()
    file_name, data = _read(source)
    sha256 = hashlib.sha256(data if isinstance(data, bytes) else data.encode("utf-8")).hexdigest()
    rows = _parse(_decode(data))
    with transaction.atomic():
        created, updated, unchanged = _write(rows)
        record = RegistryImport.objects.create(
            file_name=file_name[:255],
            sha256=sha256,
            rows_total=len(rows),
            created=created,
            updated=updated,
            unchanged=unchanged,
            latest_batch=latest_batch() or "",
            started_at=started_at,
            finished_at=timezone.now(),
        )
    return ImportResult(
        rows_total=len(rows),
        created=created,
        updated=updated,
        unchanged=unchanged,
        seconds=time.perf_counter() - clock,
        record=record,
    )


def _read(source) -> tuple[str, bytes | str]:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            return path.name, path.read_bytes()
        except OSError as exc:
            raise RegistryImportError(
                [_("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}]
            ) from None
    return Path(getattr(source, "name", "") or "").name, source.read()


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RegistryImportError(
            [
                _(
                    "The file is UTF-16 (Excel's “Unicode text”); save it as “CSV UTF-8” and import it again."
                )
            ]
        )
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RegistryImportError([_not_utf8_message(data, exc)]) from None
    if not text.strip():
        raise RegistryImportError([_("The file is empty.")])
    return text


def _not_utf8_message(data: bytes, exc: UnicodeDecodeError) -> str:
    # Refuse rather than guess: a GBK file that decodes cleanly is still
    # only probably GBK, and a wrong guess would store garbled names.
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return _(
            "The file is not UTF-8 (undecodable byte at offset %(offset)d); save it as “CSV UTF-8”."
        ) % {"offset": exc.start}
    return _(
        "The file is not UTF-8; it looks GBK-encoded, as Excel saves CSV on Chinese Windows. "
        "Save it as “CSV UTF-8” and import it again."
    )


def _parse(text: str) -> list[dict]:
    """The rows as model field values, or RegistryImportError listing every problem."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader, [])]
        return _parse_rows(header, reader)
    except csv.Error as exc:
        # A NUL byte or a runaway quoted field: the rest of the file cannot be trusted.
        raise RegistryImportError(
            [
                _("Line %(line)d: the file is not valid CSV (%(error)s).")
                % {"line": reader.line_num, "error": exc}
            ]
        ) from None


def _parse_rows(header: list[str], reader) -> list[dict]:
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise RegistryImportError(
            [
                _("The file lacks the columns %(missing)s. The header must name: %(expected)s.")
                % {"missing": ", ".join(missing), "expected": ", ".join(COLUMNS)}
            ]
        )
    position = {column: header.index(column) for column in COLUMNS}
    max_lengths = {
        f.name: f.max_length
        for f in RegistryRecord._meta.get_fields()
        if getattr(f, "max_length", None)
    }
    problems: list[str] = []
    rows: list[dict] = []
    first_row_of: dict[tuple[str, str], int] = {}
    for row_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        if len(cells) != len(header):
            problems.append(
                _("Row %(row)d has %(cells)d cells; the header has %(columns)d.")
                % {"row": row_number, "cells": len(cells), "columns": len(header)}
            )
            continue
        raw = {column: cells[i].strip() for column, i in position.items()}
        row_problems = _row_problems(row_number, raw, max_lengths)
        if row_problems:
            problems.extend(row_problems)
            continue
        values = {COLUMNS[column]: value for column, value in raw.items()}
        values["announcement_date"] = _parse_date(raw["announcementDate"])
        key = (values["filing_number"], values["filing_type"])
        if key in first_row_of:
            problems.append(
                _(
                    "Row %(row)d: filing number %(number)s is already listed in %(list)s on row %(first)d."
                )
                % {"row": row_number, "number": key[0], "list": key[1], "first": first_row_of[key]}
            )
            continue
        first_row_of[key] = row_number
        rows.append(values)
    if problems:
        raise RegistryImportError(problems)
    if not rows:
        raise RegistryImportError([_("The file has a header but no rows.")])
    return rows


def _row_problems(row_number: int, raw: dict[str, str], max_lengths: dict[str, int]) -> list[str]:
    problems = []
    for column in REQUIRED_VALUES:
        if not raw[column]:
            problems.append(
                _("Row %(row)d: %(column)s is blank.") % {"row": row_number, "column": column}
            )
    number = raw["recordNumber"]
    if number:
        try:
            validate_filing_number(number)
        except ValidationError as exc:
            problems.append(
                _("Row %(row)d: recordNumber “%(value)s” is malformed. %(rule)s")
                % {"row": row_number, "value": number, "rule": exc.messages[0]}
            )
    announced = raw["announcementDate"]
    if announced and _parse_date(announced) is None:
        problems.append(
            _(
                "Row %(row)d: announcementDate “%(value)s” is not a date; write YYYY-MM or YYYY-MM-DD."
            )
            % {"row": row_number, "value": announced}
        )
    for column, model_field in COLUMNS.items():
        limit = max_lengths.get(model_field)
        if limit and len(raw[column]) > limit:
            problems.append(
                _("Row %(row)d: %(column)s has %(n)d characters; at most %(limit)d fit.")
                % {"row": row_number, "column": column, "n": len(raw[column]), "limit": limit}
            )
    return problems


def _parse_date(value: str) -> dt.date | None:
    match = DATE_RE.match(value)
    if not match:
        return None
    year, month, day = match.groups()
    try:
        return dt.date(int(year), int(month), int(day or 1))
    except ValueError:
        return None


def _write(rows: list[dict]) -> tuple[int, int, int]:
    """Insert new listings and update changed ones; returns (created, updated, unchanged).

    The registry is small (thousands of rows), so the existing rows are read
    once and compared in memory instead of one query per row.
    """
    now = timezone.now()
    existing = {
        (row["filing_number"], row["filing_type"]): row
        for row in RegistryRecord.objects.values("pk", *PUBLISHED_FIELDS)
    }
    to_create: list[RegistryRecord] = []
    to_update: list[RegistryRecord] = []
    changed_fields: set[str] = set()
    for values in rows:
        current = existing.get((values["filing_number"], values["filing_type"]))
        if current is None:
            to_create.append(RegistryRecord(**values, imported_at=now, updated_at=now))
            continue
        changed = [name for name in PUBLISHED_FIELDS if current[name] != values[name]]
        if changed:
            changed_fields.update(changed)
            to_update.append(RegistryRecord(pk=current["pk"], **values, updated_at=now))
    RegistryRecord.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    if to_update:
        RegistryRecord.objects.bulk_update(
            to_update, sorted(changed_fields) + ["updated_at"], batch_size=BATCH_SIZE
        )
    return len(to_create), len(to_update), len(rows) - len(to_create) - len(to_update)
