"""Serving changes under load with the real controller (``leadstream agents``): nothing lost
or scored twice, and every score comes from the version the configuration named then."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from schemas.control import ServingConfig, ServingMode
from scoring.routing import route_batch
from streams.control.client import history
from tests.integration.agents_support import AgentsProcess, registered_models, run_cli
from tests.integration.fate import check_fates
from tests.integration.helpers import (
    TIMING_MARGIN,
    ScorerProcess,
    committed_events,
    make_traffic,
    produce_paced,
    wait_until,
)
from tests.integration.serving_support import serving_settings, warm_up

SWAP_LAG_S = 5.0
"""Longest time from a configuration's publication to the scorer serving it; asserted with
``TIMING_MARGIN`` (each swap's measured lag is printed)."""
CHANGES = [
    ("experiment", "start", "--mode", "ab", "--challenger", "2", "--share", "0.3"),
    ("experiment", "stop"),
    ("experiment", "start", "--mode", "shadow", "--challenger", "3"),
    ("experiment", "promote"),
    ("experiment", "start", "--mode", "canary", "--challenger", "2", "--share", "0.5"),
    ("models", "rollback"),
]


def _matches(config: ServingConfig | None, record: dict) -> bool:
    """Could ``config`` have served ``record``? (None: the champion alias, v1, no config)."""
    if config is None:
        return (record["variant"], record["model_version"]) == ("champion", "1")
    route = route_batch(config, [record["lead_id"]])
    expected = (route.variants[0].value, route.served_version(0))
    return (record["variant"], record["model_version"]) == expected


def _check_versions(scored: list[dict], configs: list[ServingConfig]) -> dict[int, float]:
    """Every record matches a configuration in force when it was scored: the newest one
    published at or before it, or the one before (the test publishes a change only once the
    scorer serves the previous one) while the newest is younger than the swap lag with its
    margin. Returns the lag of each swap."""
    times = [c.updated_at.timestamp() for c in configs]
    lags: dict[int, float] = {}
    for r in sorted(scored, key=lambda r: r["scored_at"]):
        t = datetime.fromisoformat(r["scored_at"]).timestamp()
        newest = max((k for k, u in enumerate(times) if u <= t), default=-1)
        settled = max((k for k, u in enumerate(times) if u + TIMING_MARGIN * SWAP_LAG_S <= t),
                      default=-1)
        candidates = [configs[k] if k >= 0 else None
                      for k in range(max(settled, newest - 1), newest + 1)]
        assert any(_matches(c, r) for c in candidates), (r, candidates)
        if newest >= 0 and newest not in lags and _matches(configs[newest], r) and not (
                _matches(configs[newest - 1] if newest else None, r)):
            lags[newest] = t - times[newest]
    return lags


def test_hot_swap_under_load_loses_and_duplicates_nothing(make_settings, redis_client,
                                                          tmp_path: Path) -> None:
    redis_client.flushdb()
    s = serving_settings(make_settings, tmp_path, control_wait_s=60.0, rollback_cooldown_s=0.0)
    models = registered_models(s, 3)
    sent, frame = make_traffic(24_000, s, seed=31, bad_share=0.05, resend_share=0.01)
    with AgentsProcess(s, tmp_path / "agents.log") as agents, \
            ScorerProcess(s, tmp_path / "scorer.log") as scorer:
        where = warm_up(s, sent[:100])
        thread, paced = produce_paced(s, sent[100:], chunks=60, pause_s=0.25)
        for i, args in enumerate(CHANGES, start=1):
            wait_until(lambda i=i: committed_events(s) >= i * 2_500, 60, "traffic flowing")
            out = run_cli(s, *args, "--reason", f"hot swap {i}")
            assert out.exit_code == 0, out.output + agents.text()[-3000:]
            wait_until(lambda i=i: scorer.text().count("now serving") >= i, 30,
                       f"scorer applied change {i}")
        thread.join(120)
        where.update(paced)
        wait_until(lambda: committed_events(s) >= len(sent), 120, "every event committed")
        assert scorer.terminate() == 0, scorer.text()[-3000:]
    out = check_fates(s, where, frame, models)
    scored, dead = out.scored, out.dead
    configs = list({e.after.sequence: e.after for e in history(s, s.model_name)}.values())
    assert [c.sequence for c in configs] == list(range(1, len(CHANGES) + 1))
    assert configs[3].champion_version == "3" and configs[-1].champion_version == "1"
    assert configs[1].mode is ServingMode.OFF
    lags = _check_versions(scored, configs)
    versions = {r["model_version"] for r in scored}
    assert versions == {"1", "2", "3"}, versions
    print(f"\n{len(sent)} events: {len(scored)} scored, {len(dead)} dead-lettered; swap lag "
          "per config (s): " + ", ".join(f"#{k + 1}: {v:.2f}" for k, v in sorted(lags.items())))
