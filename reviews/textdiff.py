"""What changed inside a text: the two sides of a diff with the changed
characters or words marked, for the diff tables (templates/reviews/_diff_table.html).

diff-match-patch compares by character, which suits Chinese (no spaces to
split words on); its semantic cleanup then grows the changed runs to whole
words or phrases, so a rewritten sentence reads as one change rather than as
confetti. Every piece of the texts is escaped before it is marked up.
"""

from __future__ import annotations

from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Long texts are compared in the request: bound the work (seconds) and the size.
TIMEOUT = 0.5
MAX_CHARS = 20000
# Below this share of the longer text kept, the texts are shown whole instead.
SHARED = 0.25


@dataclass(frozen=True)
class Inline:
    before: SafeString  # the old text, deletions in <del>
    after: SafeString  # the new text, insertions in <ins>


def _engine() -> diff_match_patch:
    engine = diff_match_patch()
    engine.Diff_Timeout = TIMEOUT
    return engine


def inline(before: str, after: str) -> Inline | None:
    """The two texts with what changed marked; None when they share too
    little for marks to help (the caller then shows both whole)."""
    if not before or not after or len(before) + len(after) > MAX_CHARS:
        return None
    engine = _engine()
    diffs = engine.diff_main(before, after)
    engine.diff_cleanupSemantic(diffs)
    kept = sum(len(text) for op, text in diffs if op == diff_match_patch.DIFF_EQUAL)
    if kept < SHARED * max(len(before), len(after)):
        return None  # rewritten: a full stop in common is no help
    old, new = [], []
    for op, text in diffs:
        piece = escape(text)
        if op == diff_match_patch.DIFF_EQUAL:
            old.append(piece)
            new.append(piece)
        elif op == diff_match_patch.DIFF_DELETE:
            old.append(f'<del class="sb-del">{piece}</del>')
        else:
            new.append(f'<ins class="sb-ins">{piece}</ins>')
    # Every piece was escaped above; only our own tags are left unescaped.
    return Inline(mark_safe("".join(old)), mark_safe("".join(new)))  # noqa: S308
