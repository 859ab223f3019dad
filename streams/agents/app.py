"""The faust application that hosts every agent, built from :class:`Settings`.

Each agent module exposes ``install(app, settings) -> None`` that declares its topics,
tables, agents and timers on the given app; :func:`build_app` calls every installer listed
in :data:`INSTALLERS`. One worker process (``leadstream agents``) runs them all; run more
workers for more partitions.
"""

from __future__ import annotations

import importlib
import logging
import ssl

import faust

from schemas.errors import FatalError
from streams.agents.committed import use_read_committed
from streams.settings import Settings

log = logging.getLogger(__name__)

INSTALLERS: tuple[str, ...] = (
    "streams.agents.controller", "streams.agents.outcomes", "streams.agents.reports",
    "streams.agents.monitor", "streams.agents.erasure", "streams.agents.alerts",
    "streams.agents.lag",
)
"""Dotted module paths whose ``install(app, settings)`` declares agents on the app."""


def broker_url(settings: Settings) -> str:
    """faust's broker URL (``kafka://h1:p1;h2:p2``) from the bootstrap servers."""
    hosts = [h.strip() for h in settings.bootstrap_servers.split(",") if h.strip()]
    return ";".join(f"kafka://{h}" for h in hosts)


def broker_credentials(settings: Settings) -> faust.auth.Credentials | None:
    """SASL/SSL credentials for faust, mirroring what librdkafka gets."""
    protocol = settings.security_protocol.upper()
    if protocol == "PLAINTEXT":
        return None
    context = ssl.create_default_context(cafile=settings.ssl_ca_location)
    if protocol == "SSL":
        return faust.SSLCredentials(context)
    if protocol in {"SASL_PLAINTEXT", "SASL_SSL"}:
        if settings.sasl_mechanism not in {None, "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}:
            raise FatalError(f"faust agents do not support SASL {settings.sasl_mechanism}")
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password.get_secret_value() if settings.sasl_password else None,
            mechanism=settings.sasl_mechanism or "PLAIN",
            ssl_context=context if protocol == "SASL_SSL" else None,
        )
    raise FatalError(f"unknown security protocol {settings.security_protocol!r}")


def build_app(settings: Settings, installers: tuple[str, ...] | None = None) -> faust.App:
    """A faust app with every agent installed; state lives in changelog-backed tables;
    every agent reads committed records only (:mod:`streams.agents.committed`)."""
    app = faust.App(
        f"{settings.consumer_group}-agents",
        broker=broker_url(settings),
        broker_credentials=broker_credentials(settings),
        store="memory://",
        topic_partitions=1,
        topic_replication_factor=1,
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=settings.agents_session_timeout_s,
        broker_heartbeat_interval=settings.agents_session_timeout_s / 10,
        web_enabled=False,
        datadir=str((settings.home / "faust").resolve()),
    )
    use_read_committed(app)  # aborted scorer transactions are never seen
    for dotted in INSTALLERS if installers is None else installers:
        importlib.import_module(dotted).install(app, settings)
        log.debug("installed agents from %s", dotted)
    return app


def run_worker(settings: Settings, loglevel: str = "INFO") -> None:
    """Run every agent in this process until SIGTERM/SIGINT."""
    app = build_app(settings)
    faust.Worker(app, loglevel=loglevel).execute_from_commandline()
