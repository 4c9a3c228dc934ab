"""The report cites TC260-003 or GB/T 45654-2025 by its own date (issue 12 §7)."""

import datetime as dt

import pytest

from assessments.models import Answer, Assessment
from documents.render import render_html
from documents.services import prepare

pytestmark = pytest.mark.django_db

GBT = "GB/T 45654-2025"
TC260 = "TC260-003-2024"


def _report(chat, report_date):
    assessment, _created = Assessment.objects.update_or_create(
        algorithm=chat,
        defaults={"workspace": chat.workspace, "report_date": report_date},
    )
    Answer.objects.update_or_create(
        assessment=assessment,
        item="TC260-9.2-corpus-assessment",
        defaults={"workspace": chat.workspace, "status": "compliant", "measures": "抽检记录"},
    )
    prepared = prepare(chat)
    return render_html(prepared.snapshot, "report", context=prepared.context)


def test_a_report_dated_before_2025_11_01_cites_tc260_003(chat):
    html = _report(chat, dt.date(2025, 10, 31))
    assert TC260 in html and "GB/T 45654" not in html


def test_a_report_dated_from_2025_11_01_cites_gbt_45654_appendix_b(chat):
    html = _report(chat, dt.date(2025, 11, 1))
    assert GBT in html and "附录B" in html
    assert f"《生成式人工智能服务安全基本要求（{TC260}）》" not in html
