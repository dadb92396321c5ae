"""The one pager: every upstream list call is walked to its end through here.

Two shapes exist upstream: ``offset``/``limit`` lists that answer ``{data, total_count}``
(workspaces, guardrails, assignments, members, BYOK, destinations…), and ``GET /keys``,
which takes only ``offset`` and answers fixed pages of 100 with no total.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from apps.gateway.core import Credentials, call

DEFAULT_PAGE_SIZE = 100
KEYS_PAGE_SIZE = 100  # upstream's fixed page size for GET /keys


def _items_and_total(page: Any) -> tuple[list, int | None]:
    """``(items, total_count)`` of one SDK page (``None`` for an empty 204-style answer)."""
    if page is None:
        return [], 0
    body = page.result if hasattr(page, "result") else page
    return list(body.data or []), body.total_count if hasattr(body, "total_count") else None


def offset_pages(
    creds: Credentials,
    fetch: Callable[[Any, int, int], Any],
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    start: int = 0,
) -> Iterator[list]:
    """Yield each page of an ``offset``/``limit`` list until ``total_count`` (or a short page).

    ``fetch(sdk, offset, limit)`` makes one SDK call. A caller that stores page by page can
    remember ``start + items so far`` and resume from there.
    """
    offset, seen = start, start
    while True:
        items, total = _items_and_total(call(creds, lambda sdk, o=offset: fetch(sdk, o, page_size)))
        if items:
            yield items
        seen += len(items)
        if not items or len(items) < page_size or (total is not None and seen >= total):
            return
        offset += len(items)


def offset_all(
    creds: Credentials, fetch: Callable[[Any, int, int], Any], *, page_size: int = DEFAULT_PAGE_SIZE
) -> list:
    """Every item of an ``offset``/``limit`` list."""
    return [item for page in offset_pages(creds, fetch, page_size=page_size) for item in page]


def fixed_pages(fetch: Callable[[int], list], *, page_size: int = KEYS_PAGE_SIZE) -> Iterator[list]:
    """Yield pages of a list that takes only ``offset`` and answers fixed-size pages with no
    total (``GET /keys``): a short page is the last. ``fetch(offset)`` makes one call."""
    offset = 0
    while True:
        page = fetch(offset)
        if page:
            yield page
        if len(page) < page_size:
            return
        offset += len(page)
