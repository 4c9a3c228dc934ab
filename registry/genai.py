"""The CAC's generative-AI lists (生成式人工智能服务已备案信息): import and look-up.

The file is shaped like shared/data/cac/genai-filings.json: {"batches": [{"period",
"name", "url", "page", "header", "rows": [{…, "_kind": "备案" | "登记"}]}]}. The
column names changed over the years (模型名称 / 大模型名称, 备案号 / 备案编号) and a
few rows repeat the 登记 table's header line; both are handled here. An import
is all or nothing and replaces every row, so importing the same file twice
changes nothing.

Numbers are matched case-insensitively (ZheJiang = Zhejiang); a number that
is malformed or absent is a warning for the caller, never a refusal
(shared/domain/gai-filing-reference.md §4.5).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypedDict

from django.db import transaction
from django.utils.translation import gettext as _

from filings.generative import normalize_gai_number, parse_gai_number

from .models import GenAIRecord

NAME_COLUMNS = ("模型名称", "大模型名称", "应用/功能名称")
HOLDER_COLUMNS = ("备案单位", "登记单位")
NUMBER_COLUMNS = ("备案号", "备案编号", "上线编号")
DATE_COLUMNS = ("备案时间", "登记时间")
DATE_RE = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})$")


class GenAIImportError(Exception):
    """The file was refused; nothing was written."""


@dataclass
class GenAIImportResult:
    rows_total: int
    beian: int
    dengji: int
    latest_batch: str


def _first(row: dict, columns: tuple[str, ...]) -> str:
    for column in columns:
        value = row.get(column)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _date(text: str) -> dt.date | None:
    m = DATE_RE.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_genai(document: object) -> list[GenAIRecord]:
    """The rows of a genai-filings document as unsaved records; header lines are skipped."""
    if not isinstance(document, dict) or not isinstance(document.get("batches"), list):
        raise GenAIImportError(_("Expected an object with a list of “batches”."))
    records: list[GenAIRecord] = []
    for b, batch in enumerate(document["batches"]):
        if not isinstance(batch, dict) or not isinstance(batch.get("rows"), list):
            raise GenAIImportError(
                _("batches[%(i)d]: expected an object with a list of “rows”.") % {"i": b}
            )
        for row in batch["rows"]:
            if not isinstance(row, dict) or not str(row.get("序号", "")).strip().isdigit():
                continue  # a repeated header line
            number = _first(row, NUMBER_COLUMNS)
            if not number:
                continue
            parsed = parse_gai_number(number)
            kind = row.get("_kind") if row.get("_kind") in ("备案", "登记") else ""
            if parsed:
                kind = parsed["kind"]  # the number decides: 登记 numbers carry S
            filed_text = _first(row, DATE_COLUMNS)
            records.append(
                GenAIRecord(
                    number=number[:100],
                    number_key=normalize_gai_number(number)[:100],
                    kind=kind or "备案",
                    name=_first(row, NAME_COLUMNS)[:200],
                    holder=_first(row, HOLDER_COLUMNS)[:200],
                    province=str(row.get("属地") or "")[:20],
                    filed_on=_date(filed_text),
                    filed_on_text=filed_text[:20],
                    batch=str(batch.get("period") or "")[:20],
                    source_url=str(batch.get("page") or "")[:500],
                )
            )
    return records


def import_genai(source: str | os.PathLike | IO) -> GenAIImportResult:
    """Replace the generative-AI lists with those of `source` (a path or an open file)."""
    try:
        if isinstance(source, str | os.PathLike):
            text = Path(source).read_text(encoding="utf-8-sig")
        else:
            data = source.read()
            text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        document = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GenAIImportError(
            _("Not a readable UTF-8 JSON file: %(error)s") % {"error": exc}
        ) from None
    records = parse_genai(document)
    if not records:
        raise GenAIImportError(_("The file holds no listed numbers."))
    with transaction.atomic():
        GenAIRecord.objects.all().delete()
        GenAIRecord.objects.bulk_create(records, batch_size=500)
    return GenAIImportResult(
        rows_total=len(records),
        beian=sum(1 for r in records if r.kind == "备案"),
        dengji=sum(1 for r in records if r.kind == "登记"),
        latest_batch=max(r.batch for r in records),
    )


class GAINumber(TypedDict):
    status: str  # "found" | "absent" | "malformed" | "not_loaded"
    record: GenAIRecord | None
    latest_batch: str | None


def describe_gai_number(number: str) -> GAINumber:
    """What the loaded generative-AI lists say about a 大模型备案号 / 上线编号.

    "malformed" when it does not follow the grammar; "found" with its most
    recent row; "absent" when well formed but not listed; "not_loaded" when
    no list was imported (nothing to compare with).
    """
    batch = GenAIRecord.objects.order_by("-batch").values_list("batch", flat=True).first()
    if parse_gai_number(number) is None:
        return {"status": "malformed", "record": None, "latest_batch": batch}
    if batch is None:
        return {"status": "not_loaded", "record": None, "latest_batch": None}
    record = (
        GenAIRecord.objects.filter(number_key=normalize_gai_number(number))
        .order_by("-batch", "-pk")
        .first()
    )
    return {"status": "found" if record else "absent", "record": record, "latest_batch": batch}
