"""Who may do what with the documents of a workspace."""

from __future__ import annotations

from workspaces.models import Role
from workspaces.scoping import Access

# Generating changes no filing data, and reviewers need the PDFs to review
# them; viewers are read-only. The files carry full ID and mobile numbers,
# which viewers do not get (as with the JSON export, filings.views).
GENERATE_ROLES = frozenset({Role.OWNER, Role.EDITOR, Role.REVIEWER})
DOWNLOAD_ROLES = GENERATE_ROLES


def may_generate(access: Access | None) -> bool:
    return access is not None and access.role in GENERATE_ROLES


def may_download(access: Access | None) -> bool:
    return access is not None and access.role in DOWNLOAD_ROLES
