"""``leadstream demo``: the whole product in one run on the real local stack.

Whatever goes wrong, the demo stops the processes it started and ends with one line that
says what failed and where the full story is (``<home>/logs/demo.log``), exit code 1.
"""

from __future__ import annotations

import time
import traceback

import click
from pydantic import ValidationError

from streams.cli.common import console
from streams.demo.run import Demo, demo_settings
from streams.settings import Settings


@click.command()
@click.option("--leads", default=20_000, show_default=True, help="CRM leads to replay.")
@click.option("--rate", default=4_000.0, show_default=True, help="Leads per second.")
def demo(leads: int, rate: float) -> None:
    """Stack up, train, score, monitor drift and show an automatic rollback."""
    seed = int(time.time()) % 100_000  # fresh lead ids and model name on every run
    try:
        settings = demo_settings(seed)
    except ValidationError as exc:  # a bad LEADSTREAM_* variable
        first = exc.errors()[0]
        name = "LEADSTREAM_" + "_".join(str(p) for p in first["loc"]).upper()
        raise click.ClickException(
            f"demo failed: invalid settings: {name}: {first['msg']}") from None
    try:
        Demo(settings, console(), leads, rate, seed).run()
    except KeyboardInterrupt:
        raise click.ClickException("demo interrupted; its processes were stopped") from None
    except Exception as exc:  # the outermost boundary: one line here, the traceback logged
        log = _log_failure(settings, exc)
        raise click.ClickException(
            f"demo failed: {type(exc).__name__}: {_first_line(exc)} (details: {log})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "no message"


def _log_failure(settings: Settings, exc: BaseException) -> str:
    log = settings.home / "logs" / "demo.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as out:
        out.write(f"--- demo failed at {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        out.write("".join(traceback.format_exception(exc)))
    return str(log)
