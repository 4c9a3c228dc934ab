"""Open comment threads beside the fields of the wizard and the algorithm page.

The reviews app (above filings) keeps the threads and registers its selector
(reviews.selectors.open_threads) in ReviewsConfig.ready(); filings never
imports it. The pages only place what the selector gives: an object with
`fields` ((model name, pk, attribute) -> rows), `pop(model_name, pk, attr)`,
`rest()` and `len()`. Without a registered selector a page shows no threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class NoThreads:
    """What a page places when no app keeps comment threads."""

    fields: dict = {}

    def __len__(self) -> int:
        return 0

    def pop(self, model_name: str, pk: int, attr: str | None = None) -> list[dict]:
        return []

    def rest(self) -> list[dict]:
        return []


_selectors: list[Callable[..., Any]] = []


def register(selector: Callable[..., Any]) -> None:
    """selector(algorithm, slug, *, locations=None, document=None) -> placed threads."""
    _selectors[:] = [selector]


def open_threads(algorithm, slug: str, **kwargs) -> Any:
    """The algorithm's open threads, placed on the fields they are about."""
    return _selectors[0](algorithm, slug, **kwargs) if _selectors else NoThreads()
