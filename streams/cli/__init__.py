"""The ``leadstream`` command: a thin registry of commands, one module per command group.

A command module parses options, builds what it needs from :class:`~streams.settings.Settings`
and calls into the other packages; it holds no logic another command or process needs
(that lives in ``training/``, ``demo/``, ``control/``, ...). Shared option parsers are in
:mod:`streams.cli.common`. May import anything in ``streams`` and the core.

Commands are imported lazily, only when invoked (or listed by ``--help``), so a quick
``leadstream stack status`` does not pay for importing mlflow and xgboost. To add a command,
define it in its own module and register it here with one line:
``main.add_lazy("<name>", "<module>:<click command>")``. (``main.add_command`` works too, but
imports eagerly.)
"""

from __future__ import annotations

import importlib
from urllib.parse import urlsplit

import click
import redis
from pydantic import ValidationError

from schemas.errors import LeadstreamError
from streams.redact import install_log_redaction, redact_text, secret_values
from streams.settings import Settings

__all__ = ["main"]
REDIS_ACL_TABLE = "streams/stack/redis_acls.toml"


class _Main(click.Group):
    """Lazy command registry; turns any :class:`LeadstreamError` into a clear message and exit 1."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy: dict[str, str] = {}

    def add_lazy(self, name: str, target: str) -> None:
        self.lazy[name] = target

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, attr = self.lazy[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except LeadstreamError as exc:
            raise click.ClickException(redact_text(f"{type(exc).__name__}: {exc}",
                                                   _secrets())) from exc
        except (redis.exceptions.NoPermissionError, redis.AuthenticationError) as exc:
            raise click.ClickException(redact_text(_redis_refusal(exc), _secrets())) from exc


def _redis_refusal(exc: redis.RedisError) -> str:
    """One line for a refusal of Redis' ACL (the user, what Redis said, where the table is)."""
    try:
        user = urlsplit(Settings().redis_url).username or "default"
    except (ValidationError, ValueError):
        user = "?"
    return (f"NotAuthorized: Redis refused user {user!r} ({exc}); who may do what is in "
            f"{REDIS_ACL_TABLE}")


def _secrets() -> set[str]:
    """The configured secrets, or none when the settings themselves are invalid."""
    try:
        return secret_values(Settings())
    except ValidationError:
        return set()


@click.group(cls=_Main)
@click.version_option(package_name="leadstream")
def main() -> None:
    """leadstream: event-driven lead scoring on Apache Kafka."""
    install_log_redaction(_secrets())


main.add_lazy("stack", "streams.cli.stack:stack")
main.add_lazy("score", "streams.cli.score:score")
main.add_lazy("train", "streams.cli.train:train")
main.add_lazy("produce", "streams.cli.produce:produce")
main.add_lazy("schemas", "streams.cli.schemas:schemas")
main.add_lazy("experiment", "streams.cli.experiment:experiment")
main.add_lazy("models", "streams.cli.models:models")
main.add_lazy("agents", "streams.cli.agents:agents")
main.add_lazy("status", "streams.cli.status:status")
main.add_lazy("tail", "streams.cli.tail:tail")
main.add_lazy("keys", "streams.cli.keys:keys")
main.add_lazy("retrain", "streams.cli.retrain:retrain")
main.add_lazy("demo", "streams.cli.demo:demo")
main.add_lazy("config", "streams.cli.config:config")
main.add_lazy("sink", "streams.cli.sink:sink")
main.add_lazy("spec", "streams.cli.spec:spec")
main.add_lazy("forget", "streams.cli.forget:forget_lead")
main.add_lazy("lead", "streams.cli.lead:lead")
main.add_lazy("dashboard", "streams.cli.dashboard:dashboard")
main.add_lazy("diagnose", "streams.cli.diagnose:diagnose")

