"""``leadstream dashboard``: serve the live web dashboard (127.0.0.1:8080 by default).

On the secured stack, start it as the ``dashboard`` principal (read-only)::

    set -a; . .leadstream/stack/secure/dashboard.env; set +a; leadstream dashboard
"""

from __future__ import annotations

import click

from streams.settings import Settings


@click.command("dashboard")
@click.option("--model", help="Model name (default: LEADSTREAM_MODEL_NAME).")
@click.option("--host", help="Bind address (default: LEADSTREAM_DASHBOARD_HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: LEADSTREAM_DASHBOARD_PORT, 8080).")
def dashboard(model: str | None, host: str | None, port: int | None) -> None:
    """Serve the live web dashboard: overview, drift, performance, experiments, models and
    alerts, updated as windows close (server-sent events)."""
    import uvicorn

    from streams.dashboard.app import build_app

    settings = Settings()
    host, port = host or settings.dashboard_host, port or settings.dashboard_port
    app = build_app(settings, model)
    click.echo(f"dashboard of {model or settings.model_name} on http://{host}:{port}/",
               err=True)
    # Open event streams never end by themselves: give them 3 s on SIGTERM, then close.
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=3)
