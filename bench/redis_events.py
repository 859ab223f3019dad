"""What the bench's Redis did during a phase that could stall the scorer, from Redis itself.

Redis's latency monitor (``LATENCY LATEST``, armed with ``latency-monitor-threshold``)
records every event over the threshold by kind — ``fork`` (an append-only-file rewrite),
``aof-write``/``aof-fsync-always`` (the disk), ``command`` (a slow call), ``expire-cycle``;
``INFO persistence`` counts the rewrites and the writes delayed behind a slow fsync. A
phase is watched with :class:`RedisEvents`: armed (and the monitor reset) at its start,
read at its end, one line for the bench's log and a dict for its results.
"""

from __future__ import annotations

import redis

THRESHOLD_MS = 10
"""Events at least this long are recorded (Redis's own unit: milliseconds)."""
_COUNTERS = ("aof_rewrites", "aof_delayed_fsync", "total_forks")


class RedisEvents:
    def __init__(self, url: str):
        self._client = redis.Redis.from_url(url, socket_timeout=5.0)
        self._start: dict[str, int] = {}

    def arm(self) -> None:
        self._client.config_set("latency-monitor-threshold", THRESHOLD_MS)
        self._client.execute_command("LATENCY", "RESET")
        self._client.config_set("slowlog-log-slower-than", THRESHOLD_MS * 1000)
        self._client.slowlog_reset()
        self._start = self._counters()

    def read(self) -> dict:
        """Per kind of event: how many over the threshold and the longest (ms); and the
        rewrites, forks and delayed fsyncs since :meth:`arm`."""
        events = {}
        for name, _, latest_ms, max_ms in self._client.execute_command("LATENCY", "LATEST"):
            kind = name.decode() if isinstance(name, bytes) else str(name)
            history = self._client.execute_command("LATENCY", "HISTORY", kind)
            events[kind] = {"count": len(history), "latest_ms": int(latest_ms),
                            "max_ms": int(max_ms)}
        now = self._counters()
        return {"events": events, "slow": self._slow(),
                **{k: now[k] - self._start.get(k, 0) for k in now}}

    def _slow(self) -> dict[str, dict]:
        """The slow log by command: its name only (a script by its SHA's first 8 digits),
        never its arguments (lead ids)."""
        out: dict[str, dict] = {}
        for entry in self._client.slowlog_get(128):
            words = entry["command"].split()
            name = words[0].decode().upper() if words else "?"
            if name == "EVALSHA" and len(words) > 1:
                name += " " + words[1].decode()[:8]
            seen = out.setdefault(name, {"count": 0, "max_ms": 0.0})
            seen["count"] += 1
            seen["max_ms"] = max(seen["max_ms"], entry["duration"] / 1000)
        return out

    def _counters(self) -> dict[str, int]:
        info = {**self._client.info("persistence"), **self._client.info("stats")}
        return {k: int(info.get(k, 0)) for k in _COUNTERS}


def line(found: dict) -> str:
    """``found`` (:meth:`RedisEvents.read`) in one line."""
    kinds = ", ".join(f"{k} {v['count']}x (max {v['max_ms']} ms)"
                      for k, v in sorted(found["events"].items())) or "none"
    slow = ", ".join(f"{k} {v['count']}x (max {v['max_ms']:.0f} ms)"
                     for k, v in sorted(found["slow"].items())) or "none"
    return (f"redis events >= {THRESHOLD_MS} ms: {kinds}; slow commands: {slow}; AOF rewrites "
            f"{found['aof_rewrites']}, forks {found['total_forks']}, delayed fsyncs "
            f"{found['aof_delayed_fsync']}")
