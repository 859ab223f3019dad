"""The scorer's composition root: every collaborator of :class:`~streams.scorer.loop.Scorer`
built from :class:`Settings`, in one place.

The registry (MLflow, with its disk cache, imported only when needed:
:mod:`streams.scorer.startup`), the serving configuration in force
(``models.control``), the plan loader, Redis de-duplication, the ledger and the score
history (trends) are built here
and passed in; the loop builds none of them. Tests build scorers through
:func:`build_scorer` or hand the loop explicit fakes.
"""

from __future__ import annotations

import logging

from confluent_kafka import KafkaException

from schemas.control import ServingConfig
from schemas.errors import LeadstreamError, ModelUnavailable, RetryableError
from scoring.serving import ServingPlan
from streams.control.client import ServingConfigFeed
from streams.control.keys import SIGNING_OFF_WARNING
from streams.scorer.loop import Scorer
from streams.scorer.metrics import ScorerMetrics
from streams.scorer.plans import PlanLoader, build_plan, warmed
from streams.scorer.run_bounds import RunLimits
from streams.scorer.serving import ServingControl
from streams.scorer.startup import CHAMPION, LazyRegistry, confirm_champion
from streams.scorer.trends import TrendSource
from streams.settings import Settings
from streams.stores import lead_state
from streams.stores.dedup import Deduplicator
from streams.stores.history import History
from streams.stores.ledger import Ledger

log = logging.getLogger(__name__)


def _feed(settings: Settings, metrics: ScorerMetrics) -> ServingConfigFeed | None:
    try:
        return ServingConfigFeed(settings, settings.model_name,
                                 on_invalid=metrics.invalid_configs.inc,
                                 on_forged=lambda r: metrics.forged_configs.labels(r).inc())
    except (KafkaException, RetryableError) as exc:
        log.error("cannot read %s (%s): serving the champion alias only, without "
                  "configuration changes", settings.topic_models_control, exc)
        return None


def initial_plan(registry: LazyRegistry, config: ServingConfig | None
                 ) -> tuple[ServingPlan, bool]:
    """The plan of the configuration in force, or the champion alias when there is none
    (or when its versions cannot be loaded: the plan loader then keeps trying), and whether
    that champion came from the cache and must be confirmed with MLflow
    (:mod:`streams.scorer.startup`)."""
    if config is not None:
        try:
            return build_plan(config, None, registry.load_version), False
        except (LeadstreamError, OSError) as exc:
            log.error("cannot load serving config #%d (%s): starting with the champion "
                      "alias", config.sequence, exc)
    cached = registry.cached_champion()
    if cached is not None:
        log.info("serving %s@champion v%s from the cache, as last seen; asking MLflow in the "
                 "background", cached.name, cached.version)
        return ServingPlan(warmed(cached)), True
    try:
        return ServingPlan(warmed(registry.load_champion())), False
    except ModelUnavailable as exc:
        if registry.cache.aliases().get(CHAMPION) is not None:
            raise  # there is a champion; it could not be loaded
        raise ModelUnavailable(f"{exc}. {NO_CHAMPION_HINT}") from exc


NO_CHAMPION_HINT = ("Nothing to serve: make a version the champion with `leadstream models "
                    "promote N` (`leadstream agents` running) or train one with "
                    "`leadstream train --alias champion`")


def build_scorer(settings: Settings, limits: RunLimits, metrics: ScorerMetrics) -> Scorer:
    registry = LazyRegistry(settings)
    if settings.control_signing == "off":
        log.warning(SIGNING_OFF_WARNING)
    feed = _feed(settings, metrics)
    config = feed.current() if feed else None
    plan, unconfirmed = initial_plan(registry, config)
    dedup = Deduplicator.from_url(settings.redis_url, settings.redis_timeout_s,
                                  settings.dedup_ttl_s, on_outage=metrics.redis_down.inc,
                                  lead_max_events=settings.dedup_lead_max_events,
                                  key_ttl_s=lead_state.key_ttl_s(settings))
    loader = PlanLoader(plan, registry.load_version,
                        on_failure=lambda _config, _exc: metrics.plan_load_failures.inc())
    if config is not None and config != plan.config:
        loader.want(config)  # the config in force could not be loaded at start: keep trying
    ledger = Ledger.from_settings(settings)
    control = ServingControl(feed, loader, configured=config is not None)
    history = History.from_settings(settings) if settings.history_max_entries else None
    trends = TrendSource(history, on_missed=metrics.history_missed.inc)
    scorer = Scorer(settings, plan, dedup, metrics, limits, control=control, ledger=ledger,
                    trends=trends)
    if unconfirmed:
        confirm_champion(registry, plan.champion, control.swap_unless_configured)
    return scorer
