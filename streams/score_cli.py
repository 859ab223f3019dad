"""``leadstream score``: run the scorer (also ``python -m streams.score_cli``).

Settings come from ``LEADSTREAM_*`` env vars; the options override the few that matter for
a run. SIGTERM/SIGINT stop it cleanly (exit 0); a fatal error exits 1 with its reason.
"""

from __future__ import annotations

import faulthandler
import gc
import logging
import signal
import sys

import click
from confluent_kafka import KafkaException

from schemas.control import ServingConfig
from schemas.errors import FatalError, LeadstreamError, RetryableError
from scoring.model import ServingModel
from scoring.serving import ServingPlan
from streams.control_client import ServingConfigFeed
from streams.dedup import Deduplicator
from streams.ledger import Ledger, redis_client
from streams.metrics import ScorerMetrics
from streams.plan_loader import PlanLoader, build_plan, warmed
from streams.replay import IntentStore
from streams.run_limits import RunLimits
from streams.scorer import Scorer
from streams.serving_control import ServingControl
from streams.settings import Settings

log = logging.getLogger("streams.scorer")


def _registry(settings: Settings):
    from scoring.registry import ModelRegistry

    return ModelRegistry(settings.tracking_uri, settings.model_name,
                         settings.model_cache_dir, settings.artifact_root)


def load_champion(settings: Settings) -> ServingModel:
    """The champion from MLflow, or from the disk cache when MLflow is unreachable."""
    return _registry(settings).load(alias="champion")


def _feed(settings: Settings) -> ServingConfigFeed | None:
    try:
        return ServingConfigFeed(settings, settings.model_name)
    except (KafkaException, RetryableError) as exc:
        log.error("cannot read %s (%s): serving the champion alias only, without "
                  "configuration changes", settings.topic_models_control, exc)
        return None


def initial_plan(settings: Settings, config: ServingConfig | None, load) -> ServingPlan:
    """The plan of the configuration in force, or the champion alias when there is none
    (or when its versions cannot be loaded: the plan loader then keeps trying)."""
    if config is not None:
        try:
            return build_plan(config, None, load)
        except (LeadstreamError, OSError) as exc:
            log.error("cannot load serving config #%d (%s): starting with the champion "
                      "alias", config.sequence, exc)
    return ServingPlan(warmed(load_champion(settings)))


def freeze_startup_heap() -> None:
    """Move everything allocated so far (mlflow, pandas, xgboost, the models) out of the
    garbage collector's reach: a full collection otherwise walks that whole heap and
    paused the loop for up to ~250 ms on this 2-core box, a tail-latency spike each time."""
    gc.collect()
    gc.freeze()


def build_scorer(settings: Settings, limits: RunLimits, metrics: ScorerMetrics) -> Scorer:
    registry = _registry(settings)
    feed = _feed(settings)
    config = feed.current() if feed else None
    plan = initial_plan(settings, config, registry.load_version)
    dedup = Deduplicator.from_url(settings.redis_url, settings.redis_timeout_s,
                                  settings.dedup_ttl_s, on_outage=metrics.redis_down.inc)
    loader = PlanLoader(plan, registry.load_version,
                        on_failure=lambda _config, _exc: metrics.plan_load_failures.inc())
    if config is not None and config != plan.config:
        loader.want(config)  # the config in force could not be loaded at start: keep trying
    ledger = Ledger.from_settings(settings)
    intents = IntentStore(redis_client(settings.redis_url, settings.ledger_timeout_s),
                          settings.transactional_id, 24 * 3600,
                          on_error=lambda msg: log.warning("%s", msg))
    control = ServingControl(feed, loader)
    return Scorer(settings, plan, dedup, metrics, limits, control=control, ledger=ledger,
                  intents=intents)


@click.command("score")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=None,
              help="Events per batch and transaction (default: LEADSTREAM_BATCH_SIZE).")
@click.option("--max-events", type=click.IntRange(1), default=None,
              help="Stop once this many events are committed.")
@click.option("--idle-exit", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="Stop after SECONDS without a new event.")
@click.option("--metrics-port", type=click.IntRange(1, 65535), default=None,
              help="Serve Prometheus metrics on this port.")
@click.option("--metrics-host", default="127.0.0.1", show_default=True,
              help="Address the metrics endpoint binds to.")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def score(batch_size: int | None, max_events: int | None, idle_exit: float | None,
          metrics_port: int | None, metrics_host: str, log_level: str) -> None:
    """Score leads.incoming into leads.scored and leads.deadletter, exactly once."""
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides = {"batch_size": batch_size} if batch_size else {}
    settings = Settings(**overrides)
    metrics = ScorerMetrics()
    if metrics_port is not None:
        metrics.serve(metrics_port, metrics_host)
    scorer = build_scorer(settings, RunLimits(max_events, idle_exit), metrics)

    def _stop(signum: int, _frame: object) -> None:
        log.info("%s received: finishing the batch in hand", signal.Signals(signum).name)
        scorer.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    faulthandler.register(signal.SIGUSR1)  # kill -USR1 <pid>: dump every thread's stack
    freeze_startup_heap()
    scorer.run()


def main() -> None:
    try:
        score(standalone_mode=True)
    except FatalError as exc:
        click.echo(f"leadstream score: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
