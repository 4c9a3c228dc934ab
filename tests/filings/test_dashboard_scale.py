"""The dashboard of a large workspace (issue 15): stored figures, server-side
filters, sort, search and pagination, and the indexes they use."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from filings import figures
from filings.choices import FilingStatus
from filings.models import Algorithm, AlgorithmFigures, Filing
from filings.tasks import refresh_stale_figures
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    FilingFactory,
    MembershipFactory,
    ProviderFactory,
    UserFactory,
    WorkspaceFactory,
)
from tests.readonly import no_writes
from workspaces.models import Role

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NUMBER = "网信算备110108823483901230031号"


def _url(workspace) -> str:
    return reverse("filings:dashboard", args=[workspace.slug])


def _store(workspace) -> None:
    """Store the figures, as each change's commit does (filings.figures)."""
    figures.refresh(Algorithm.objects.filter(workspace=workspace))


def _workspace_of(n: int, owner):
    workspace = WorkspaceFactory()
    MembershipFactory(workspace=workspace, user=owner, role=Role.OWNER)
    provider = ProviderFactory(workspace=workspace)
    for i in range(n):
        FilingFactory(algorithm=AlgorithmFactory(provider=provider, name=f"规模算法{i:03d}"))
    _store(workspace)
    return workspace


def _launch_due_soon() -> dt.date:
    """A launch date whose initial filing is due within the next two days."""
    from workdays.deadlines import filing_deadline

    today = timezone.localdate()
    launch = today
    while filing_deadline("initial", launch).due > today + dt.timedelta(days=2):
        launch -= dt.timedelta(days=1)
    return launch


def _names(response) -> list[str]:
    return [row.name for row in response.context["rows"]]


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def board(owner, django_capture_on_commit_callbacks):
    """Six algorithms of one provider, each a different case, committed: their
    figures are stored by the commit's callbacks, as in production."""
    with django_capture_on_commit_callbacks(execute=True):
        return _board(owner)


def _board(owner):
    workspace = WorkspaceFactory()
    MembershipFactory(workspace=workspace, user=owner, role=Role.OWNER)
    provider = ProviderFactory(workspace=workspace)
    make = lambda name, **kw: AlgorithmFactory(provider=provider, name=name, **kw)  # noqa: E731
    overdue = make("逾期推荐算法", launch_status="online", launch_date=dt.date(2024, 1, 2))
    FilingFactory(algorithm=overdue)
    filed = make("已备案检索算法", type="search_filtering")
    FilingFactory(
        algorithm=filed,
        status=FilingStatus.FILED,
        filing_number=NUMBER,
        filed_on=dt.date(2025, 3, 1),
    )
    reviewed = make("审核中派单算法", type="dispatch_decision")
    FilingFactory(algorithm=reviewed, status=FilingStatus.IN_REVIEW)
    make("技术支持算法", role="technical_supporter")
    soon = make("即将到期算法", launch_status="online", launch_date=_launch_due_soon())
    FilingFactory(algorithm=soon)
    DeploymentFactory(algorithm=make("有产品的算法", summary="根据用户的浏览行为推荐资讯。"))
    return workspace


# ---------------------------------------------------------------------------
# Does not grow with the workspace
# ---------------------------------------------------------------------------


class TestScale:
    def test_queries_and_rows_do_not_depend_on_the_number_of_algorithms(self, client, owner):
        small, large = _workspace_of(3, owner), _workspace_of(60, owner)
        client.force_login(owner)
        client.get(_url(small))  # the session and the caches
        counts, rows = [], []
        for workspace in (small, large):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(_url(workspace))
            assert response.status_code == 200
            counts.append(len(queries))
            rows.append(response.content.decode().count("<tr data-algorithm="))
        assert counts[0] == counts[1]
        assert rows == [3, 50]
        assert response.context["counts"]["total"] == 60

    def test_a_page_with_missing_figures_computes_a_page_at_most_and_writes_nothing(
        self, client, owner
    ):
        workspace = _workspace_of(55, owner)
        AlgorithmFigures.objects.filter(workspace=workspace).delete()
        client.force_login(owner)
        with no_writes():
            response = client.get(_url(workspace), {"sort": "name"})
        assert response.status_code == 200
        assert len(response.context["rows"]) == 50
        assert all(
            row.completeness is not None and row.updating for row in response.context["rows"]
        )
        assert 'id="updating"' in response.content.decode()


# ---------------------------------------------------------------------------
# The stored figures follow every write
# ---------------------------------------------------------------------------


class TestStoredFigures:
    def test_an_autosave_updates_the_figures(
        self, client, owner, board, django_capture_on_commit_callbacks
    ):
        algorithm = Algorithm.objects.get(name="技术支持算法")
        before = AlgorithmFigures.objects.get(pk=algorithm.pk)
        assert before.deadline_kind == "" and not before.dirty
        client.force_login(owner)
        url = reverse("filings:panel-save", args=[board.slug, "algorithm-basic", algorithm.pk])
        prefix = f"algorithm-basic-{algorithm.pk}-"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url,
                {
                    prefix + "name": algorithm.name,
                    prefix + "type": "personalized_push",
                    prefix + "role": "technical_supporter",
                    prefix + "launch_status": "online",
                    prefix + "launch_date": "2024-01-02",
                    prefix + "application_domains": "新闻门户",
                },
                HTTP_HX_REQUEST="true",
                **EN,
            )
        assert response.status_code == 200
        after = AlgorithmFigures.objects.get(pk=algorithm.pk)
        assert after.fingerprint != before.fingerprint and not after.dirty
        assert after.completeness > before.completeness
        assert (after.deadline_kind, after.deadline_event) == ("initial", dt.date(2024, 1, 2))
        assert after.deadline_due is not None

    def test_a_write_marks_the_figures_dirty_until_the_commit(self, board):
        algorithm = Algorithm.objects.get(name="技术支持算法")
        before = AlgorithmFigures.objects.get(pk=algorithm.pk)
        assert not before.dirty
        algorithm.summary = "为开发者提供推荐模型。"
        algorithm.save()  # in the test's transaction: no commit yet
        row = AlgorithmFigures.objects.get(pk=algorithm.pk)
        assert row.dirty and row.generation == before.generation + 1

    def test_a_submission_moves_the_next_deadline(self, board, django_capture_on_commit_callbacks):
        filing = Filing.objects.get(algorithm__name="逾期推荐算法")
        assert AlgorithmFigures.objects.get(pk=filing.algorithm_id).deadline_kind == "initial"
        filing.status, filing.submitted_on = FilingStatus.SUBMITTED, dt.date(2026, 9, 15)
        with django_capture_on_commit_callbacks(execute=True):
            filing.save()
        row = AlgorithmFigures.objects.get(pk=filing.algorithm_id)
        assert row.status == FilingStatus.SUBMITTED
        assert (row.deadline_kind, row.deadline_due) == ("cac_decision", dt.date(2026, 11, 2))

    def test_a_new_algorithm_gets_figures_after_its_commit(
        self, board, django_capture_on_commit_callbacks
    ):
        provider = Algorithm.objects.filter(workspace=board).first().provider
        with django_capture_on_commit_callbacks(execute=True):
            algorithm = AlgorithmFactory(provider=provider, name="新算法")
        row = AlgorithmFigures.objects.get(pk=algorithm.pk)
        assert row.computed_on == timezone.localdate() and row.errors > 0

    def test_a_result_computed_before_a_later_write_is_not_stored(self, board, monkeypatch):
        algorithm = Algorithm.objects.get(name="技术支持算法")
        AlgorithmFigures.objects.filter(pk=algorithm.pk).update(completeness=1)
        compute = figures.compute

        def compute_then_write(*args, **kwargs):
            result = compute(*args, **kwargs)
            figures.touched({algorithm.pk})  # another editor's save meanwhile
            return result

        monkeypatch.setattr(figures, "compute", compute_then_write)
        figures.refresh([algorithm], force=True)
        row = AlgorithmFigures.objects.get(pk=algorithm.pk)
        assert row.completeness == 1 and row.dirty  # the later write's refresh stores it

    def test_the_beat_task_recomputes_those_of_an_earlier_day(self, board):
        algorithm = Algorithm.objects.get(name="技术支持算法")
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        AlgorithmFigures.objects.filter(pk=algorithm.pk).update(computed_on=yesterday)
        assert figures.stale_ids() == [algorithm.pk]
        assert refresh_stale_figures() == 1
        assert AlgorithmFigures.objects.get(pk=algorithm.pk).computed_on == timezone.localdate()
        assert figures.stale_ids() == []

    def test_the_refresh_command(self, board):
        out = io.StringIO()
        call_command("refresh_figures", board.slug, stdout=out)
        assert out.getvalue().startswith("0 of 6")
        call_command("refresh_figures", board.slug, "--force", stdout=out)
        assert "6 of 6" in out.getvalue()

    def test_check_filing_reads_the_stored_problems_and_fresh_recomputes(self, board):
        algorithm = Algorithm.objects.get(name="技术支持算法")
        fake = {
            "code": "required",
            "severity": "warning",
            "pointer": "/providers/0/algorithms/0/summary",
            "message": "stored message",
            "blocks": "approval",
        }
        AlgorithmFigures.objects.filter(pk=algorithm.pk).update(problems=[fake])

        def run(*args):
            out = io.StringIO()
            try:
                call_command("check_filing", board.slug, "--algorithm", algorithm.name, *args,
                             "--json", stdout=out)  # fmt: skip
            except SystemExit:
                pass
            return json.loads(out.getvalue())

        k = list(Algorithm.objects.filter(workspace=board).order_by("pk")).index(algorithm)
        assert run() == [{**fake, "pointer": f"/providers/0/algorithms/{k}/summary"}]
        fresh = run("--fresh")
        assert fresh and all(p["message"] != "stored message" for p in fresh)
        assert AlgorithmFigures.objects.get(pk=algorithm.pk).problems != [fake]


# ---------------------------------------------------------------------------
# Filters, search, sort and pages
# ---------------------------------------------------------------------------


class TestFilters:
    def get(self, client, owner, workspace, **params):
        client.force_login(owner)
        response = client.get(_url(workspace), params, **EN)
        assert response.status_code == 200
        return response

    def test_status_type_and_role(self, client, owner, board):
        assert _names(self.get(client, owner, board, status="filed")) == ["已备案检索算法"]
        assert _names(self.get(client, owner, board, status="in_review")) == ["审核中派单算法"]
        assert set(_names(self.get(client, owner, board, status="none"))) == {
            "技术支持算法",
            "有产品的算法",
        }
        assert _names(self.get(client, owner, board, type="dispatch_decision")) == [
            "审核中派单算法"
        ]
        assert _names(self.get(client, owner, board, role="technical_supporter")) == [
            "技术支持算法"
        ]

    def test_deadline_windows_and_attention(self, client, owner, board):
        assert _names(self.get(client, owner, board, due="overdue")) == ["逾期推荐算法"]
        assert _names(self.get(client, owner, board, due="30")) == ["即将到期算法"]
        assert "逾期推荐算法" not in _names(self.get(client, owner, board, due="none"))
        attention = self.get(client, owner, board, attention="on")
        assert set(_names(attention)) == {"逾期推荐算法", "即将到期算法"}
        assert attention.context["counts"]["attention"] == 2
        assert attention.context["counts"]["overdue"] == 1

    def test_reviewer(self, client, owner, board):
        from reviews.models import ReviewRequest

        reviewer = UserFactory()
        MembershipFactory(workspace=board, user=reviewer, role=Role.REVIEWER)
        filing = Filing.objects.get(algorithm__name="审核中派单算法")
        request = ReviewRequest.objects.create(workspace=board, filing=filing, requested_by=owner)
        request.reviewers.add(reviewer)
        response = self.get(client, owner, board, reviewer=str(reviewer.pk))
        assert _names(response) == ["审核中派单算法"]
        request.closed_at = timezone.now()
        request.save()
        assert _names(self.get(client, owner, board, reviewer=str(reviewer.pk))) == []

    def test_search_by_name_and_by_filing_number(self, client, owner, board):
        assert _names(self.get(client, owner, board, q="派单")) == ["审核中派单算法"]
        assert _names(self.get(client, owner, board, q="823483901230031")) == ["已备案检索算法"]
        body = self.get(client, owner, board, q="没有这个").content.decode()
        assert 'id="no-match"' in body

    def test_sorts(self, client, owner, board):
        names = _names(self.get(client, owner, board, sort="name"))
        assert names == sorted(names)
        assert _names(self.get(client, owner, board, sort="-name")) == names[::-1]
        by_deadline = _names(self.get(client, owner, board))  # the default: next deadline first
        assert by_deadline[:2] == ["逾期推荐算法", "即将到期算法"]
        rows = self.get(client, owner, board, sort="-completeness").context["rows"]
        assert [r.completeness for r in rows] == sorted(
            (r.completeness for r in rows), reverse=True
        )
        rows = self.get(client, owner, board, sort="-errors").context["rows"]
        assert [r.errors for r in rows] == sorted((r.errors for r in rows), reverse=True)

    def test_pages_keep_the_filters(self, client, owner):
        workspace = _workspace_of(60, owner)
        first = self.get(client, owner, workspace, sort="name", q="规模")
        assert _names(first)[0] == "规模算法000" and len(_names(first)) == 50
        body = first.content.decode()
        assert "q=%E8%A7%84%E6%A8%A1&amp;sort=name&amp;page=2" in body
        second = self.get(client, owner, workspace, sort="name", q="规模", page="2")
        assert _names(second) == [f"规模算法{i:03d}" for i in range(50, 60)]
        assert _names(self.get(client, owner, workspace, sort="name", page="abc")) == _names(first)
        assert _names(self.get(client, owner, workspace, sort="name", page="99")) == _names(second)

    @pytest.mark.parametrize(
        "params, field",
        [
            ({"due": "soonish"}, "due"),
            ({"status": "lost"}, "status"),
            ({"reviewer": "999999"}, "reviewer"),
            ({"sort": "evil"}, "sort"),
            ({"q": "x" * 101}, "q"),
        ],
    )
    def test_a_bad_value_is_reported_beside_its_filter(self, client, owner, board, params, field):
        response = self.get(client, owner, board, **params)
        body = response.content.decode()
        assert f'data-filter-error="{field}"' in body and 'id="filter-errors"' in body
        assert len(response.context["rows"]) == 6  # the rest of the query still applies

    def test_counts_come_from_one_query(self, owner, board):
        from filings.selectors import counts

        with CaptureQueriesContext(connection) as queries:
            result = counts(board, today=timezone.localdate(), soon_until=timezone.localdate())
        assert len(queries) == 1
        assert result["total"] == 6 and result["filed"] == 1 and result["in_review"] == 1

    def test_chinese_and_phone_width_markup(self, client, owner, board):
        client.force_login(owner)
        body = client.get(_url(board), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "只看需要处理的" in body and "有错误" in body and "Needs attention" not in body
        # Each cell carries its label, so the rows stack as cards on a phone (sb-stack).
        assert 'class="table table-hover align-middle mb-0 sb-stack"' in body
        assert 'data-label="' in body


# ---------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------


class TestAccess:
    def test_login_is_required(self, client, board):
        response = client.get(_url(board))
        assert response.status_code == 302 and "login" in response["Location"]

    def test_another_workspace_is_404(self, client, board):
        stranger = UserFactory()
        MembershipFactory(user=stranger)  # a member of some other workspace
        client.force_login(stranger)
        assert client.get(_url(board)).status_code == 404

    def test_a_viewer_sees_the_figures_but_cannot_start_an_algorithm(self, client, board):
        viewer = UserFactory()
        MembershipFactory(workspace=board, user=viewer, role=Role.VIEWER)
        client.force_login(viewer)
        response = client.get(_url(board), **EN)
        body = response.content.decode()
        assert response.status_code == 200 and 'data-testid="new-algorithm"' not in body
        assert response.context["counts"]["total"] == 6

    def test_the_algorithm_page_shows_the_stored_figures(self, client, owner, board):
        algorithm = Algorithm.objects.get(name="逾期推荐算法")
        AlgorithmFigures.objects.filter(pk=algorithm.pk).update(errors=7, warnings=3)
        client.force_login(owner)
        with no_writes():
            body = client.get(
                reverse("filings:algorithm", args=[board.slug, algorithm.pk]), **EN
            ).content.decode()
        assert 'data-problems="7/3"' in body and "7 errors" in body


# ---------------------------------------------------------------------------
# Indexes: one for each filter and sort
# ---------------------------------------------------------------------------


def _indexed(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]


@pytest.mark.parametrize(
    "table, columns",
    [
        ("filings_algorithm", ["workspace_id", "name"]),
        ("filings_algorithm", ["workspace_id", "type"]),
        ("filings_algorithm", ["workspace_id", "role"]),
        ("filings_algorithmfigures", ["workspace_id", "status"]),
        ("filings_algorithmfigures", ["workspace_id", "completeness"]),
        ("filings_algorithmfigures", ["workspace_id", "errors"]),
        ("filings_algorithmfigures", ["workspace_id", "deadline_due"]),
        ("filings_algorithmfigures", ["workspace_id", "change_due"]),
        ("filings_algorithmfigures", ["dirty", "computed_on"]),
        ("reviews_reviewrequest", ["filing_id"]),
        ("reviews_reviewrequest_reviewers", ["user_id"]),
        ("registry_registryrecord", ["announcement_date"]),
        ("registry_registryrecord", ["algorithm_class"]),
        ("registry_registryrecord", ["batch"]),
        ("registry_registryrecord", ["filing_number", "filing_type"]),
    ],
)
def test_each_filter_and_sort_has_an_index(table, columns):
    assert any(found[: len(columns)] == columns for found in _indexed(table)), _indexed(table)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_the_substring_searches_have_trigram_indexes_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            pytest.skip("pg_trgm is not installed on this server")
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "algorithm_name_trgm",
        "figures_numbers_trgm",
        "registry_name_trgm",
        "registry_entity_trgm",
        "registry_product_trgm",
        "registry_number_trgm",
    } <= names


@pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL")
def test_the_dashboard_query_uses_the_workspace_index_on_postgresql(owner):
    from filings.selectors import SORTS, _base

    workspace = _workspace_of(30, owner)
    query = _base(workspace).filter(figures__status="draft").order_by(*SORTS["deadline"])
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = query.explain()
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "Index" in plan and "Seq Scan" not in plan
