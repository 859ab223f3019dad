"""``leadstream score``: run the scorer (also ``python -m streams.cli.score``).

The process around the composition root (:mod:`streams.scorer.build`): logging, signals,
the metrics endpoint (announced to the local Prometheus, :mod:`streams.alerting.scrape`), exit
codes. Settings come from ``LEADSTREAM_*`` env vars; the options
override the few that matter for a run. SIGTERM/SIGINT stop it cleanly (exit 0); a fatal
error exits 1 with its reason.
"""

from __future__ import annotations

import faulthandler
import gc
import logging
import signal
import sys
from pathlib import Path

import click

from schemas.errors import FatalError
from streams.alerting.scrape import register_target
from streams.scorer import stage_table
from streams.scorer.build import build_scorer
from streams.scorer.metrics import ScorerMetrics
from streams.scorer.run_bounds import RunLimits
from streams.settings import Settings

log = logging.getLogger(__name__)


GC_THRESHOLDS = (50_000, 20, 100)
"""The collector's thresholds while scoring. A batch allocates and frees tens of thousands
of objects (Python's default, 700 net allocations, collected several times per 1,000-lead
batch: 13-24 ms per batch in-process, GC in the p99 tail of the stage table); almost all of
them die within the batch, so with 50,000 a collection is rare and short."""


def freeze_startup_heap() -> None:
    """Move everything allocated so far (mlflow, pandas, xgboost, the models) out of the
    garbage collector's reach: a full collection otherwise walks that whole heap and
    paused the loop for up to ~250 ms on this 2-core box, a tail-latency spike each time.
    Then collect young objects only every :data:`GC_THRESHOLDS` net allocations."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


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
@click.option("--timings", type=click.Path(dir_okay=False, writable=True), default=None,
              metavar="PATH", help="At exit, write the per-stage batch timings (p50/p95/p99 "
              "per stage, the stage owning the slow batches) to PATH as JSON.")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def score(batch_size: int | None, max_events: int | None, idle_exit: float | None,
          metrics_port: int | None, metrics_host: str, timings: str | None,
          log_level: str) -> None:
    """Score leads.incoming into leads.scored and leads.deadletter, exactly once."""
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides = {"batch_size": batch_size} if batch_size else {}
    settings = Settings(**overrides)
    metrics = ScorerMetrics()
    if metrics_port is not None:
        metrics.serve(metrics_port, metrics_host)
        register_target(settings, "scorer", metrics_port, metrics_host)
    scorer = build_scorer(settings, RunLimits(max_events, idle_exit), metrics)

    def _stop(signum: int, _frame: object) -> None:
        log.info("%s received: finishing the batch in hand", signal.Signals(signum).name)
        scorer.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    faulthandler.register(signal.SIGUSR1)  # kill -USR1 <pid>: dump every thread's stack
    freeze_startup_heap()
    try:
        scorer.run()
    finally:
        if timings is not None:
            stage_table.write(Path(timings), metrics.stages.batches)


def main() -> None:
    try:
        score(standalone_mode=True)
    except FatalError as exc:
        click.echo(f"leadstream score: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
