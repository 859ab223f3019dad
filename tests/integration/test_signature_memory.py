"""A signed request's replay check against the real Redis: an outage is waited out, not a
dead letter, and a replay is still caught after it."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

import pytest

from streams.stores.signatures import KEY, SignatureMemory

WHERE = "models.control.requests:0:17"


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_redis_outage_is_waited_out_and_the_claim_holds(fresh_settings, chaos, redis_client,
                                                           caplog) -> None:
    caplog.set_level(logging.WARNING, logger="streams.stores.retry")
    results: list[object] = []

    def check(where: str) -> None:
        async def run() -> str | None:
            memory = SignatureMemory(fresh_settings.redis_url, 0.5, 30.0)
            try:
                return await memory.first_use("sig-a", where)
            finally:
                await memory.close()
        try:
            results.append(asyncio.run(run()))
        except Exception as exc:  # the failure the test looks for
            results.append(exc)

    chaos.stop_redis()
    worker = threading.Thread(target=check, args=(WHERE,), daemon=True)
    worker.start()
    try:
        wait_for(lambda: results or any("Redis failed" in r.getMessage()
                                        for r in caplog.records), 20, "a failed attempt")
        assert not results, f"the check gave up while Redis was down: {results}"
    finally:
        chaos.start_redis()
    worker.join(30)
    assert results == [None]  # accepted once Redis answered
    assert redis_client.get(KEY.format(replay_id="sig-a")) == WHERE.encode()
    check("models.control.requests:0:99")
    assert results[-1] == WHERE  # a copy elsewhere is still a replay
