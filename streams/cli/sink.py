"""``leadstream sink``: write every score on ``leads.scored`` back into the CRM.

Settings: ``LEADSTREAM_SINK_URL``, ``LEADSTREAM_SINK_FORMAT`` (webhook, dynamics, hubspot,
salesforce), ``LEADSTREAM_SINK_TOKEN`` and the ``LEADSTREAM_SINK_*`` tuning (``leadstream
config``). SIGTERM/SIGINT stop it after the batch in hand; a fatal error exits 1.
"""

from __future__ import annotations

import logging
import signal
import sys

import click

from streams.alerting.scrape import register_target
from streams.redact import install_log_redaction, url_secrets
from streams.settings import Settings
from streams.sink.build import build_sink
from streams.sink.metrics import SinkMetrics

log = logging.getLogger(__name__)


@click.command("sink")
@click.option("--format", "crm_format",
              type=click.Choice(["webhook", "dynamics", "hubspot", "salesforce"]),
              help="CRM payload (default: LEADSTREAM_SINK_FORMAT).")
@click.option("--url", help="CRM base URL (default: LEADSTREAM_SINK_URL).")
@click.option("--max-records", type=click.IntRange(1), help="Stop once N records are committed.")
@click.option("--idle-exit", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Stop after SECONDS without a new record.")
@click.option("--metrics-port", type=click.IntRange(1, 65535), help="Serve Prometheus metrics.")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
def sink(crm_format: str | None, url: str | None, max_records: int | None,
         idle_exit: float | None, metrics_port: int | None, log_level: str) -> None:
    """Write scores from leads.scored back into the CRM (newest per lead wins)."""
    logging.basicConfig(level=log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every request's URL
    overrides = {k: v for k, v in (("sink_format", crm_format), ("sink_url", url)) if v}
    settings = Settings(**overrides)
    install_log_redaction(url_secrets(settings.sink_url, every_query_value=True))
    metrics = SinkMetrics()
    if metrics_port is not None:
        metrics.serve(metrics_port)
        register_target(settings, "sink", metrics_port)
    runner = build_sink(settings, metrics, max_records, idle_exit)

    def _stop(signum: int, _frame: object) -> None:
        log.info("%s received: finishing the batch in hand", signal.Signals(signum).name)
        runner.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner.run()
