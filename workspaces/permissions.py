"""Who may do what in a workspace: the one table.

A member's role (workspaces.models.Role) grants a set of capabilities. Every
check in the code asks for a capability, never for a role:

- views declare theirs with `@requires(Capability.X)` (checked right after
  `get_access`, which 404s outside the user's workspaces), or `@public` /
  `@signed_in` for the few pages that belong to no workspace; a test walks
  every URL and fails on a view that declares nothing
  (tests/workspaces/test_permissions_cover_views.py);
- inside a view, `access.may(Capability.X)` and `access.require(Capability.X)`
  (workspaces.scoping.Access); templates ask the same object:
  `{% if access.may.edit %}`;
- services, which commands and tests call without a request, check the
  user again with `require_user(workspace_id, user, Capability.X)`;
- the lifecycle's transition table names the capability each move needs
  (filings.lifecycle).

                            owner  editor  reviewer  viewer
    view                      x      x        x        x
    edit                      x      x
    comment                   x      x        x
    review                    x               x
    record_cac_events         x      x
    correct_filing_number     x
    see_personal_data_full    x      x
    reveal_personal_data      x      x        x
    generate_documents        x      x        x
    download_documents        x      x        x
    export                    x      x        x
    import                    x      x
    manage_members            x
    settings                  x

Decisions, each kept from what the code did before this table unless said:

- `edit` is every change to a filing's data: the wizard and its autosave,
  rows, attachments, deleting an algorithm, creating one, requesting a
  review (and withdrawing it), starting a change filing (变更备案 is
  preparing a filing). `import` is its own capability with the same roles,
  so that the table says who may replace a workspace's data wholesale.
- `review` covers both verdicts, approve and request changes: there is no
  separate "approve", because a role that may approve but not refuse (or the
  reverse) makes no sense for the person asked to review. Who may approve a
  given filing is narrowed further per filing, not per role: only the
  reviewers asked (reviews.services) and, with four eyes on, not whoever
  last changed the data (filings.lifecycle). Withdrawing an approval is open
  to `edit` or `review`.
- `record_cac_events` (submission, return for correction, filing number,
  cancellation, revocation) is its own capability: it states what the CAC
  did, not what the data says. Today it goes with `edit`, as before; a
  workspace that wants its reviewers to record submissions changes one row.
- `correct_filing_number` is owners' only: the number is the CAC's, a
  correction is rare and recorded with its reason.
- Personal data (the ID numbers and the officer's mobile, filings.pii):
  owners and editors see them in full (`see_personal_data_full`), each full
  view recorded in workspaces.models.AuditLog; reviewers see masks and may
  reveal (`reveal_personal_data`), one number at a time on pages, each
  reveal recorded; viewers only ever see masks.
- A file that carries the personal data in full is a full view: recorded
  like a reveal, at each download. PDFs come in two variants
  (documents.models.DocumentJob.masked): owners and editors generate and
  download the full one; reviewers generate masked copies unless they ask for
  the full one, and download a full file only through the links that say so
  ("with personal data in full"), each recorded. The submission bundle (the
  full package and the uploaded ID copies) follows the same rule. Viewers
  neither generate nor download: a PDF is a copy that leaves the workspace,
  and generating records a version of the data; they read everything, masked,
  on the pages.
- `export` (the JSON document of the workspace) carries the personal data in
  full: allowed to those who see or may reveal it, and recorded per provider
  at each download, as before. Viewers may not.
- `manage_members` (roles, removal, invitations) and `settings` (four eyes,
  review settings, the wording of the generated letters) are owners' only.
- The pages of a workspace (`view`) are open to every member; lists mask the
  personal numbers whoever reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Membership, Role


class Capability(models.TextChoices):
    VIEW = "view", _("Read the workspace")
    EDIT = "edit", _("Edit filing data")
    COMMENT = "comment", _("Comment")
    REVIEW = "review", _("Approve or request changes")
    RECORD_CAC_EVENTS = "record_cac_events", _("Record what the CAC did")
    CORRECT_FILING_NUMBER = "correct_filing_number", _("Correct a filing number")
    SEE_PERSONAL_DATA_FULL = "see_personal_data_full", _("See personal data in full")
    REVEAL_PERSONAL_DATA = "reveal_personal_data", _("Reveal personal data")
    GENERATE_DOCUMENTS = "generate_documents", _("Generate PDF documents")
    DOWNLOAD_DOCUMENTS = "download_documents", _("Download PDF documents")
    EXPORT = "export", _("Export the workspace")
    IMPORT = "import", _("Import into the workspace")
    MANAGE_MEMBERS = "manage_members", _("Manage members")
    SETTINGS = "settings", _("Change the workspace's settings")


C = Capability
_READ = frozenset({C.VIEW})
_REVIEWER = _READ | {
    C.COMMENT,
    C.REVIEW,
    C.REVEAL_PERSONAL_DATA,
    C.GENERATE_DOCUMENTS,
    C.DOWNLOAD_DOCUMENTS,
    C.EXPORT,
}
_EDITOR = _READ | {
    C.EDIT,
    C.COMMENT,
    C.RECORD_CAC_EVENTS,
    C.SEE_PERSONAL_DATA_FULL,
    C.REVEAL_PERSONAL_DATA,
    C.GENERATE_DOCUMENTS,
    C.DOWNLOAD_DOCUMENTS,
    C.EXPORT,
    C.IMPORT,
}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OWNER: frozenset(
        _EDITOR | _REVIEWER | {C.CORRECT_FILING_NUMBER, C.MANAGE_MEMBERS, C.SETTINGS}
    ),
    Role.EDITOR: frozenset(_EDITOR),
    Role.REVIEWER: frozenset(_REVIEWER),
    Role.VIEWER: _READ,
}


def role_may(role: str | None, capability: Capability | str) -> bool:
    """Whether a member with `role` (None: not a member) has `capability`."""
    return Capability(capability) in ROLE_CAPABILITIES.get(role, frozenset())


def roles_with(capability: Capability | str) -> frozenset[str]:
    """The roles that have `capability` (for queries: the reviewers one may ask)."""
    capability = Capability(capability)
    return frozenset(role for role, granted in ROLE_CAPABILITIES.items() if capability in granted)


class Grants:
    """What one role may do: `grants(Capability.EDIT)` in code, `grants.edit` in templates."""

    # A template reads `access.may.edit`; it must not call `access.may` first.
    do_not_call_in_templates = True

    def __init__(self, role: str | None) -> None:
        self.role = role

    def __call__(self, capability: Capability | str) -> bool:
        return role_may(self.role, capability)

    def __getitem__(self, name: str) -> bool:
        # Templates look names up as items first. An unknown name raises
        # ValueError, which a template renders as "" (not allowed): a test
        # checks that every `access.may.<name>` in templates/ is a capability.
        return role_may(self.role, Capability(name))

    def __repr__(self) -> str:
        return f"Grants({self.role!r})"


# ---------------------------------------------------------------------------
# For services (no request): the member's role, read from the database.
# ---------------------------------------------------------------------------


def role_of(workspace_id: int, user) -> str | None:
    """The role of `user` in the workspace, or None when they are not a member."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(workspace_id=workspace_id, user=user)
        .values_list("role", flat=True)
        .first()
    )


def user_may(workspace_id: int, user, capability: Capability | str) -> bool:
    return role_may(role_of(workspace_id, user), capability)


def require_user(workspace_id: int, user, capability: Capability | str, message=None) -> str:
    """The user's role, or PermissionDenied when it lacks `capability`."""
    role = role_of(workspace_id, user)
    if not role_may(role, capability):
        raise PermissionDenied(message or _("Your role may not do this."))
    return role


# ---------------------------------------------------------------------------
# Views: each declares what it needs.
# ---------------------------------------------------------------------------

# Markers for the views outside any workspace (view.capability).
PUBLIC = "public"  # anyone, signed in or not (health check, schema, invitation link)
SIGNED_IN = "signed_in"  # any signed-in user; shows nothing of a workspace they are not in


def requires(capability: Capability | str) -> Callable:
    """Decorate a view under /w/<slug>/: 404 outside the user's workspaces
    (scoping.get_access), 403 without `capability`. Put it under
    @login_required and the method decorators, so that those answer first.
    The view may call get_access again: the request keeps the answer."""
    capability = Capability(capability)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            from .scoping import get_access

            get_access(request, kwargs["slug"]).require(capability)
            return view(request, *args, **kwargs)

        wrapper.capability = capability
        return wrapper

    return decorate


def public(view: Callable) -> Callable:
    view.capability = PUBLIC
    return view


def signed_in(view: Callable) -> Callable:
    view.capability = SIGNED_IN
    return view
