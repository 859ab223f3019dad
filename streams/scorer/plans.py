"""Loading the models a new serving configuration names, off the scorer's hot path.

The scorer hands every new :class:`~schemas.control.ServingConfig` to :meth:`PlanLoader.want`
between two batches and picks the finished :class:`~scoring.serving.ServingPlan` up with
:meth:`PlanLoader.ready`, also between two batches; the loading (registry, disk cache) runs
in one background thread. The newest configuration wins: one asked for while another loads
replaces it. A configuration whose versions cannot be loaded leaves the current plan in
place; the failure is logged, counted (``on_failure``) and the load retried every
``retry_s`` until it succeeds or a newer configuration arrives.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable

import numpy as np

from schemas.control import ServingConfig, ServingMode
from scoring.model import ServingModel
from scoring.serving import ServingPlan

log = logging.getLogger(__name__)

LoadVersion = Callable[[str, str], ServingModel]
"""``(version, alias_label) -> ServingModel`` (``ModelRegistry.load_version``)."""


def warmed(model: ServingModel) -> ServingModel:
    """``model`` after one prediction: XGBoost's first call pays for its set-up, which
    must not land on the first batch served (nor on its latency guardrail)."""
    model.predict(np.zeros((1, len(model.encoder.feature_names)), dtype=np.float32))
    return model


def _as(model: ServingModel, alias: str) -> ServingModel:
    return model if model.alias == alias else dataclasses.replace(model, alias=alias)


def build_plan(config: ServingConfig, current: ServingPlan | None,
               load: LoadVersion) -> ServingPlan:
    """The plan of ``config``, re-using the models ``current`` already holds."""
    models = (current.champion, current.challenger) if current is not None else ()
    held = {m.version: m for m in models if m is not None}

    def get(version: str, alias: str) -> ServingModel:
        model = held.get(version)
        return _as(model, alias) if model is not None else warmed(load(version, alias))

    champion = get(config.champion_version, "champion")
    challenger = None
    if config.mode is not ServingMode.OFF and config.challenger_version:
        challenger = get(config.challenger_version, "challenger")
    return ServingPlan(champion, challenger, config)


class PlanLoader:
    """One background thread that turns wanted configurations into loaded plans."""

    def __init__(self, current: ServingPlan, load: LoadVersion,
                 on_failure: Callable[[ServingConfig, Exception], None] = lambda c, e: None,
                 retry_s: float = 5.0):
        self._current = current
        self._load = load
        self._on_failure = on_failure
        self._retry_s = retry_s
        self._cond = threading.Condition()
        self._wanted: ServingConfig | None = None
        self._ready: ServingPlan | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="plan-loader", daemon=True)
        self._thread.start()

    def want(self, config: ServingConfig) -> None:
        """Load ``config``'s models (replaces any configuration still waiting)."""
        with self._cond:
            self._wanted = config
            self._cond.notify()

    def ready(self) -> ServingPlan | None:
        """A plan loaded since the last call, or None (never blocks)."""
        with self._cond:
            plan, self._ready = self._ready, None
        if plan is not None:
            self._current = plan
        return plan

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._wanted is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                config = self._wanted
            plan = self._attempt(config)
            with self._cond:
                if self._wanted is config:
                    if plan is not None:
                        self._wanted, self._ready = None, plan
                    else:
                        self._cond.wait(self._retry_s)  # retry unless a newer one comes

    def _attempt(self, config: ServingConfig) -> ServingPlan | None:
        base = self._ready or self._current
        try:
            return build_plan(config, base, self._load)
        except Exception as exc:  # any load failure: keep serving, report, retry
            log.error("cannot load serving config #%d (%s): %s; still serving %s",
                      config.sequence, versions(config), exc, base.label)
            self._on_failure(config, exc)
            return None


def versions(config: ServingConfig) -> str:
    """``champion v3`` or ``champion v3, challenger v4 (canary)``: no challenger, no "vNone"."""
    if config.challenger_version is None:
        return f"champion v{config.champion_version}"
    return (f"champion v{config.champion_version}, challenger v{config.challenger_version} "
            f"({config.mode.value})")
