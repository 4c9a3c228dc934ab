"""JSON Pointers (RFC 6901), the one way the checks, diffs, comments and
import errors name a place in a document: "/providers/0/algorithms/0/name".

In a reference token "~" is written "~0" and "/" is written "~1" (in that
order, so that "~1" typed in a key survives a round trip).
"""

from __future__ import annotations


def escape(part) -> str:
    """One reference token: a key or a list index."""
    return str(part).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(*parts) -> str:
    """The pointer of a path of keys and indexes; "" (the whole document) for none."""
    return "".join("/" + escape(p) for p in parts)


def split(pointer: str) -> list[str]:
    """The keys of a pointer, unescaped (indexes stay strings); [] for ""."""
    return [unescape(token) for token in pointer.split("/")[1:]] if pointer else []
