"""Server-sent events: a page's payload, pushed again whenever the history changes.

The first event carries the whole payload at once (the page renders from it, no reload);
later ones follow each change, at most one per ``min_gap_s``. A comment line every
``keepalive_s`` keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

from streams.dashboard.history import History


def sse(data: dict, event: str = "payload") -> str:
    """One event in the text/event-stream format (JSON on a single data line)."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def page_events(history: History, build: Callable[[], dict],
                      disconnected: Callable[[], object], min_gap_s: float = 0.5,
                      keepalive_s: float = 5.0) -> AsyncIterator[str]:
    seen = -1
    while True:
        revision = history.revision
        if revision != seen:
            seen = revision
            yield sse(await asyncio.to_thread(build))
            await asyncio.sleep(min_gap_s)  # coalesce bursts of changes
            continue
        changed = await asyncio.to_thread(history.wait_change, seen, keepalive_s)
        if await disconnected():
            return
        if changed == seen:
            yield ": keepalive\n\n"
