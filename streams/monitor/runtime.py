"""The window agent's logic between faust and the pure cores: state in tables, records out.

:class:`WindowAgent` gets every record of the internal ``monitor.windows`` stream (samples
and ticks), merges samples into :mod:`monitors.windows` state, closes due windows,
judges them with :func:`monitors.judge.judge_window` and sends the records. Records
are sent before the state that says "closed" is stored: after a crash a window may be
reported twice (same ids: ``models.rollback`` events are keyed by window), never lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict

import redis
from pydantic import ValidationError

from monitors.guardrails import RoleState
from monitors.judge import (
    ABSource,
    LabelSource,
    MonitorConfig,
    NoExperiment,
    VersionState,
    judge_window,
    srm_stop_event,
)
from monitors.persistence import PersistenceState
from monitors.retrain import RetrainState
from monitors.windows import ClosedWindow, ModelWindows, Outcome, add_sample, close_due
from schemas.control import ServingConfig
from schemas.monitor import MonitorSample
from schemas.monitor_windows import WindowInput, WindowInputKind
from schemas.profile import ReferenceProfile
from scoring.experiments.guardrail import GuardrailVerdict
from scoring.registry import ModelRegistry
from streams.monitor.codec import role_from_dict, role_to_dict, windows_from_dict, windows_to_dict
from streams.monitor.metrics import MonitorMetrics
from streams.settings import Settings
from streams.stores.status import StateWriter

log = logging.getLogger(__name__)
Send = Callable[[str, str, bytes], Awaitable[None]]
"""``send(output, key, value)`` with output in drift/performance/guardrails/rollback/retrain."""


class ProfileCache:
    """Reference profiles by model name and version, loaded from MLflow off the event loop;
    a failed load is retried after ``retry_s`` (drift is not judged meanwhile)."""

    def __init__(self, settings: Settings, metrics: MonitorMetrics, retry_s: float = 30.0):
        self.settings, self.metrics, self.retry_s = settings, metrics, retry_s
        self._found: dict[tuple[str, str], ReferenceProfile | None] = {}
        self._failed: dict[tuple[str, str], float] = {}
        self._loading: dict[tuple[str, str], asyncio.Task] = {}

    def prefetch(self, model: str, version: str) -> None:
        """Start loading a version's profile when its first sample arrives."""
        key = (model, version)
        if key in self._found or key in self._loading or self._cooling(key):
            return
        self._loading[key] = asyncio.ensure_future(self._load(key))

    async def get(self, model: str, version: str) -> ReferenceProfile | None:
        key = (model, version)
        if key in self._found:
            return self._found[key]
        if self._cooling(key):
            return None
        self.prefetch(model, version)
        return await self._loading[key]

    def _cooling(self, key: tuple[str, str]) -> bool:
        return time.monotonic() - self._failed.get(key, -1e9) < self.retry_s

    async def _load(self, key: tuple[str, str]) -> ReferenceProfile | None:
        model, version = key
        s = self.settings
        registry = ModelRegistry(s.tracking_uri, model, s.model_cache_dir, s.artifact_root)
        try:
            loaded = await asyncio.to_thread(registry.load_version, version)
        except Exception as exc:  # any failure: counted, logged, retried after retry_s
            self._failed[key] = time.monotonic()
            self.metrics.errors.labels("profile").inc()
            log.error("no reference profile for %s v%s (drift not judged): %s", model, version, exc)
            return None
        finally:
            self._loading.pop(key, None)
        self._found[key] = loaded.profile
        return loaded.profile


class WindowAgent:
    def __init__(self, settings: Settings, cfg: MonitorConfig, windows: MutableMapping,
                 versions: MutableMapping, send: Send, labels: LabelSource,
                 store: StateWriter | None, metrics: MonitorMetrics,
                 ab: ABSource | None = None):
        self.settings, self.cfg, self.windows, self.versions = settings, cfg, windows, versions
        self.send, self.labels, self.store, self.metrics = send, labels, store, metrics
        self.ab = ab or NoExperiment()
        self.profiles = ProfileCache(settings, metrics)

    async def on_input(self, item: WindowInput, wall_ms: int) -> None:
        if item.kind is WindowInputKind.SAMPLE and item.sample is not None:
            await self.on_sample(item.sample, item.received_ms, wall_ms)
        elif item.kind is WindowInputKind.TICK:
            for model in list(self.windows.keys()):
                await self.tick(model, wall_ms)

    async def tick(self, model: str, wall_ms: int) -> None:
        """Close what is due for one model; a failure is counted and logged, and the other
        models' windows still close."""
        try:
            await self.close(model, windows_from_dict(self.windows[model]), wall_ms, False)
        except Exception as exc:  # one model's failure must not stop the others' windows
            self.metrics.errors.labels("close").inc()
            log.exception("closing the windows of %s failed (%s): retried next tick",
                          model, type(exc).__name__)

    async def on_sample(self, sample: MonitorSample, received_ms: int, wall_ms: int) -> None:
        model = sample.model_name
        state, outcome = add_sample(windows_from_dict(self.windows.get(model)), sample,
                                    received_ms, wall_ms, self.cfg.window)
        self.metrics.samples.labels(outcome.value).inc()
        if outcome is not Outcome.MERGED:
            log.warning("sample %s of %s v%s not merged: %s", sample.sample_id, model,
                        sample.model_version, outcome.value)
        else:
            self.profiles.prefetch(model, sample.model_version)
        await self.close(model, state, wall_ms, outcome is Outcome.MERGED)

    async def close(self, model: str, state: ModelWindows, wall_ms: int, changed: bool) -> None:
        state, closed = close_due(state, wall_ms, self.cfg.window)
        for w in closed:
            await self.report(w, wall_ms)
        if closed or changed:
            self.windows[model] = windows_to_dict(state)

    async def report(self, w: ClosedWindow, wall_ms: int) -> None:
        k = w.sample.key
        model, role, version = k.model_name, k.role.value, k.model_version
        vkey = f"{model}|{role}|{version}"
        state = version_from_dict(self.versions.get(vkey), RoleState(model, k.role, version))
        last_rollback = state.role.last_rollback_ms  # the cooldown is per model version
        profile = await self.profiles.get(model, version)
        quality = await asyncio.to_thread(self.labels.quality, model, role, version)
        ab = await asyncio.to_thread(self.ab.reading, model, role, version)
        state, out = judge_window(w, profile, state, last_rollback, self.cfg, quality,
                                  ab.treatment_below_control)
        if ab.verdict is GuardrailVerdict.SRM_INVALID and ab.srm is not None:
            log.warning("sample-ratio mismatch in the experiment of %s v%s (p=%.2g): stop "
                        "demanded, no rollback", model, version, ab.srm.p_value)
            stop = srm_stop_event(w, ab.srm)
            await self.send("rollback", model, stop.model_dump_json().encode())
        for name, record in (("drift", out.drift), ("performance", out.performance),
                             ("guardrails", out.guardrails), ("rollback", out.rollback),
                             ("retrain", out.retrain)):
            if record is not None:
                await self.send(name, model, record.model_dump_json().encode())
        self.versions[vkey] = version_to_dict(state)
        self._observe(w, out, wall_ms)
        await self._store(model, role, version, out)

    def _observe(self, w: ClosedWindow, out, wall_ms: int) -> None:
        m = self.metrics
        m.windows_closed.labels(w.reason).inc()
        m.close_delay.observe(max(0.0, (wall_ms - w.end_ms - self.cfg.window.lateness_ms) / 1e3))
        m.window(out.drift.verdict, out.performance, out.guardrails)
        if out.rollback is not None:
            m.rollbacks.labels(out.rollback.model_name, out.rollback.role.value,
                               out.rollback.guardrail).inc()
            log.warning("rollback of %s %s v%s: %s %s", out.rollback.model_name,
                        out.rollback.role.value, out.rollback.version, out.rollback.guardrail,
                        out.rollback.evidence)
        if out.retrain is not None:
            m.retrains.labels(out.retrain.model_name).inc()

    async def store_serving(self, model: str, value: bytes) -> None:
        """Keep the last ``models.control`` record of ``model`` for ``status`` (a record
        that is no valid configuration is counted and skipped)."""
        if self.store is None:
            return
        try:
            ServingConfig.model_validate_json(value)
        except ValidationError as exc:
            self.metrics.errors.labels("invalid_config").inc()
            log.error("invalid models.control record of %s not stored: %s", model[:128],
                      str(exc)[:500])
            return
        try:
            await self.store.serving(model, value)
        except (redis.RedisError, OSError) as exc:
            self.metrics.errors.labels("redis").inc()
            log.warning("Redis down: serving state of %s not stored (%s)", model, exc)

    async def _store(self, model: str, role: str, version: str, out) -> None:
        if self.store is None:
            return
        records = [("drift", out.drift), ("performance", out.performance),
                   ("guardrails", out.guardrails)]
        try:
            await self.store.reports(model, role, version, records)
        except (redis.RedisError, OSError) as exc:
            self.metrics.errors.labels("redis").inc()
            log.warning("Redis down: latest monitor state of %s not stored (%s)", model, exc)


def version_to_dict(s: VersionState) -> dict:
    return {"role": role_to_dict(s.role), "persistence": s.persistence.to_dict(),
            "retrain": asdict(s.retrain)}


def version_from_dict(data: dict | None, fresh: RoleState) -> VersionState:
    if not data:
        return VersionState(fresh)
    return VersionState(role_from_dict(data["role"]),
                        PersistenceState.from_dict(data["persistence"]),
                        RetrainState(**data["retrain"]))
