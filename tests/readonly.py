"""A guard for "GET is safe": fail when a request writes to the database.

    with no_writes():
        client.get(url)

Every INSERT, UPDATE or DELETE on a table other than the allowed ones (the
audit log, which records each full view of personal data, and the session)
raises at once, with the statement, so the test points at the view that
wrote. Works on SQLite and PostgreSQL (connection.execute_wrapper).
"""

from __future__ import annotations

import contextlib
import re

from django.db import connection

# The audit log's entries for full views of personal data are the one write a
# read may do; sessions change when a user logs in or a message is shown.
ALLOWED_TABLES = frozenset({"workspaces_auditlog", "django_session"})

_WRITE = re.compile(
    r"""^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+["`]?(\w+)""",
    re.IGNORECASE,
)


class WriteOnRead(AssertionError):
    pass


def written_table(sql: str) -> str | None:
    """The table a statement writes to, or None for a read (or DDL, savepoints …)."""
    match = _WRITE.match(sql)
    return match.group(1).lower() if match else None


@contextlib.contextmanager
def no_writes(allowed: frozenset[str] = ALLOWED_TABLES, *, label: str = ""):
    """Raise WriteOnRead at the first write to a table not in `allowed`.

    The statement is also kept in the yielded list, so that a view which
    swallows the exception still fails the test when the block ends."""
    writes: list[str] = []

    def guard(execute, sql, params, many, context):
        table = written_table(sql)
        if table is not None and table not in allowed:
            writes.append(sql)
            raise WriteOnRead(f"{label or 'a read'} wrote to {table}: {sql[:300]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(guard):
        yield writes
    if writes:
        raise WriteOnRead(f"{label or 'a read'} wrote: {writes[0][:300]}")
