from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import UserFactory
from workdays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db

BULK_URL = reverse("admin:workdays_calendarday_bulk")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_calendar_day_changelist_loads_for_a_superuser(admin_client):
    CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦")
    response = admin_client.get(
        reverse("admin:workdays_calendarday_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "元旦" in body and "Friday" in body
    assert "built-in calendar covers 2004 to 2026" in body
    assert BULK_URL in body


def test_the_calendar_year_changelist_counts_the_entered_days(admin_client):
    CalendarYear.objects.create(year=2027)
    CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False)
    CalendarDay.objects.create(date=date(2027, 2, 7), is_workday=True)
    response = admin_client.get(
        reverse("admin:workdays_calendaryear_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "1 off, 1 working" in response.content.decode()


def test_the_change_form_loads(admin_client):
    day = CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False)
    response = admin_client.get(reverse("admin:workdays_calendarday_change", args=[day.pk]))
    assert response.status_code == 200


def test_bulk_entry_saves_ranges_and_single_days(admin_client):
    CalendarDay.objects.create(date=date(2027, 2, 6), is_workday=True, name="旧")
    lines = "\n".join(
        [
            "# 2027 Spring Festival (example)",
            "2027-02-06..2027-02-08 off 春节",
            "",
            "2027-02-20 work 调休上班",
            "2027-01-01 休",
        ]
    )
    response = admin_client.post(BULK_URL, {"lines": lines})
    assert response.status_code == 302
    days = {d.date: (d.is_workday, d.name) for d in CalendarDay.objects.all()}
    assert days == {
        date(2027, 1, 1): (False, ""),
        date(2027, 2, 6): (False, "春节"),
        date(2027, 2, 7): (False, "春节"),
        date(2027, 2, 8): (False, "春节"),
        date(2027, 2, 20): (True, "调休上班"),
    }
    assert CalendarDay.history.filter(date=date(2027, 2, 6)).count() == 2


def test_bulk_entry_saves_nothing_when_a_line_is_wrong(admin_client):
    lines = "2027-01-01 off 元旦\n2027-13-01 off\n2027-02-10..2027-02-01 off\n2027-02-14 maybe"
    response = admin_client.post(BULK_URL, {"lines": lines}, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Line 2: 2027-13-01 is not a date like 2027-01-01." in body
    assert "Line 3: The range ends before it starts." in body
    assert "Line 4: maybe is neither off nor work." in body
    assert not CalendarDay.objects.exists()


def test_bulk_entry_refuses_a_range_longer_than_a_month(admin_client):
    response = admin_client.post(
        BULK_URL, {"lines": "2027-01-01..2027-12-31 off"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "at most 31 days" in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_bulk_entry_needs_the_add_and_change_permissions(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_calendarday"))
    client.force_login(staff)
    assert client.get(BULK_URL).status_code == 403


def test_marking_a_year_complete_records_who_did_it(admin_client):
    year = CalendarYear.objects.create(year=2027)
    response = admin_client.post(
        reverse("admin:workdays_calendaryear_changelist"),
        {"action": "mark_complete", "_selected_action": [year.pk]},
    )
    assert response.status_code == 302
    year.refresh_from_db()
    assert year.complete is True
    assert year.entered_by.is_superuser


def test_saving_a_year_in_the_admin_records_who_did_it(admin_client):
    response = admin_client.post(
        reverse("admin:workdays_calendaryear_add"), {"year": 2027, "complete": "on", "note": ""}
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).entered_by is not None
