"""A locked SQLite database never reaches the user as an error: the autosave
runs its transaction again, and if the lock is still held it answers 503 with
Retry-After and stores nothing (config.database_busy).

The lock is real: another connection holds SQLite's write lock (BEGIN
IMMEDIATE) on the test database, and the writers of the test wait 100 ms for
it instead of the 20 s of the settings."""

import sqlite3

import pytest
from django.db import OperationalError, connection
from django.db.backends.signals import connection_created
from django.test import RequestFactory
from django.urls import reverse

from config import database_busy
from filings import wizard
from filings.models import Algorithm, PendingInput
from tests.factories import AlgorithmFactory, DeploymentFactory, ProviderFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db(transaction=True)

KIND = "algorithm-basic"


def _short_wait(sender=None, connection=None, **kwargs):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 100")


@pytest.fixture
def short_wait():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock")
    connection_created.connect(_short_wait)
    connection.ensure_connection()
    _short_wait(connection=connection)
    yield
    connection_created.disconnect(_short_wait)
    connection.close()  # the next connection has the settings' busy timeout again


class OtherWriter:
    """Another process in the middle of a write transaction: it holds the lock until released."""

    def __init__(self):
        self.db = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        self.db.execute("BEGIN IMMEDIATE")
        self.open = True

    def release(self):
        if self.open:
            self.db.execute("ROLLBACK")
            self.db.close()
            self.open = False


@pytest.fixture
def other_writer(short_wait):
    writers = []

    def start():
        writers.append(OtherWriter())
        return writers[-1]

    yield start
    for writer in writers:
        writer.release()


@pytest.fixture
def algorithm(workspace):
    return DeploymentFactory(
        algorithm=AlgorithmFactory(provider=ProviderFactory(workspace=workspace), name="原名算法")
    ).algorithm


@pytest.fixture
def editor(client, workspace, member_factory):
    user = member_factory(workspace, Role.EDITOR, username="editor")
    client.force_login(user)
    client.get("/")  # the session's first touch (workspaces.middleware) is written now
    return user


def autosave(client, algorithm, name, *, htmx=True, language="en"):
    form = wizard.build_panel(KIND, algorithm).form
    data = {form.add_prefix("name"): name, "_base": wizard.panel_base(KIND, algorithm)}
    return client.post(
        reverse("filings:panel-save", args=[algorithm.workspace.slug, KIND, algorithm.pk]),
        data,
        HTTP_ACCEPT_LANGUAGE=language,
        **({"HTTP_HX_REQUEST": "true"} if htmx else {}),
    )


def test_an_autosave_runs_again_when_the_lock_is_released(
    client, editor, algorithm, other_writer, monkeypatch
):
    writer = other_writer()
    pauses = []

    def pause(seconds):
        pauses.append(seconds)
        writer.release()  # the other transaction ends while this one waits to try again

    monkeypatch.setattr(database_busy, "sleep", pause)
    response = autosave(client, algorithm, "新名算法")

    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    assert len(pauses) == 1 and 0 < pauses[0] < 1
    assert Algorithm.objects.get(pk=algorithm.pk).name == "新名算法"


def test_an_autosave_still_locked_answers_503_with_retry_after_and_stores_nothing(
    client, editor, algorithm, other_writer, monkeypatch
):
    history = algorithm.history.count()
    pauses = []
    monkeypatch.setattr(database_busy, "sleep", pauses.append)
    writer = other_writer()
    response = autosave(client, algorithm, "新名算法", language="zh-hans")
    writer.release()

    assert response.status_code == 503
    assert response["Retry-After"] == str(database_busy.RETRY_AFTER)
    assert "数据库正忙" in response.content.decode()
    assert len(pauses) == database_busy.ATTEMPTS - 1  # tried three times in all
    fresh = Algorithm.objects.get(pk=algorithm.pk)
    assert fresh.name == "原名算法"
    assert algorithm.history.count() == history
    assert not PendingInput.objects.exists()

    # Sent again once the lock is gone, as the page does after Retry-After: saved.
    response = autosave(client, algorithm, "新名算法")
    assert response.status_code == 200
    assert Algorithm.objects.get(pk=algorithm.pk).name == "新名算法"


def test_a_plain_form_post_on_a_locked_database_gets_the_503_page(
    client, editor, algorithm, other_writer, monkeypatch
):
    monkeypatch.setattr(database_busy, "sleep", lambda seconds: None)
    writer = other_writer()
    response = autosave(client, algorithm, "新名算法", htmx=False)
    writer.release()

    assert response.status_code == 503
    assert response["Retry-After"] == str(database_busy.RETRY_AFTER)
    body = response.content.decode()
    assert 'data-testid="error-503"' in body
    assert "Back button" in body
    assert Algorithm.objects.get(pk=algorithm.pk).name == "原名算法"


def test_a_locked_database_outside_a_view_is_a_503_not_a_500():
    """The session is saved by a middleware, after the view: handler500 tells it apart."""
    request = RequestFactory().post("/", HTTP_HX_REQUEST="true")
    try:
        raise OperationalError("database is locked")
    except OperationalError:
        response = database_busy.server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == str(database_busy.RETRY_AFTER)
    try:
        raise OperationalError("no such table: filings_algorithm")
    except OperationalError:
        response = database_busy.server_error(request)
    assert response.status_code == 500


def test_a_retry_happens_only_where_the_transaction_began(monkeypatch):
    """Inside an outer transaction a retry would repeat half of it: the error goes up."""
    from django.db import transaction

    calls = []

    @database_busy.retry_when_locked
    def write():
        calls.append(1)
        raise OperationalError("database is locked")

    monkeypatch.setattr(database_busy, "sleep", lambda seconds: None)
    with pytest.raises(OperationalError), transaction.atomic():
        write()
    assert len(calls) == 1
    calls.clear()
    with pytest.raises(OperationalError):
        write()
    assert len(calls) == database_busy.ATTEMPTS


def test_other_database_errors_are_not_retried(monkeypatch):
    calls = []

    @database_busy.retry_when_locked
    def write():
        calls.append(1)
        raise OperationalError("no such column: name")

    with pytest.raises(OperationalError):
        write()
    assert len(calls) == 1
