"""How an activity entry reads, in the reader's language.

Entries store codes: the verb, JSON Pointers of the fields concerned
(`data["pointers"]`), the anchor of a comment (`data["anchor"]`). The words
are made here, when the entry is shown or mailed, so each reader sees field
labels in her own language whoever acted. Older entries that stored their
text in `detail` still read: anything not rendered from codes falls back to it.

Kept generic on purpose: an entry of any verb with "pointers" or "anchor"
in its data has them shown by label.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from filings.models import Activity

from . import anchors

# Fields named in one entry; the rest are counted.
SHOWN_FIELDS = 5


def field_labels(pointers, *, total: int | None = None) -> str:
    """ "Summary, Function name (deployment 1) and 3 more"; distinct labels, in order."""
    labels: list[str] = []
    for value in pointers or []:
        if not isinstance(value, str):
            continue
        label = str(anchors.pointer_label(value))
        if label not in labels:
            labels.append(label)
    if not labels:
        return ""
    shown = ", ".join(labels[:SHOWN_FIELDS])
    more = max(len(labels), total or 0) - min(len(labels), SHOWN_FIELDS)
    if more > 0:
        shown = _("%(fields)s and %(count)s more") % {"fields": shown, "count": more}
    return shown


def about(entry: Activity) -> str:
    """What a comment entry is about ("Summary", "Step: Basic attributes"); "" for others."""
    data = entry.data or {}
    anchor = data.get("anchor")
    if not anchor or not isinstance(anchor, str):
        return ""  # none, or the whole filing
    return str(anchors.anchor_label(anchor))


def detail(entry: Activity) -> str:
    """The line under an entry's verb."""
    data = entry.data or {}
    pointers = data.get("pointers")
    if entry.verb == Activity.Verb.APPROVAL_WITHDRAWN:
        fields = field_labels(pointers, total=data.get("count")) if pointers else ""
        if not fields and "pointers" not in data:
            return entry.detail  # an entry older than its codes
        return _("The approval was withdrawn because the data changed after it: %(fields)s.") % {
            "fields": fields or _("attachments")
        }
    if entry.verb == Activity.Verb.RESOLVED and isinstance(data.get("anchor"), str):
        return str(anchors.anchor_label(data["anchor"]))
    if pointers:
        fields = field_labels(pointers, total=data.get("count"))
        text = _("Fields: %(fields)s") % {"fields": fields}
        return f"{text}\n{entry.detail}" if entry.detail else text
    return entry.detail
