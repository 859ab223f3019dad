"""``leadstream config``: every setting (or one process's: ``--process scorer``), its
environment variable, default and current value."""

from __future__ import annotations

import json

import click
from pydantic import SecretStr
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from streams.cli.common import console, fit_columns, json_option, print_json
from streams.redact import MASK, redact_config, redact_text, secret_values
from streams.settings import PROCESSES, Settings, process_fields


def rows(settings: Settings, process: str | None = None) -> list[tuple[str, str, str, str]]:
    """(env var, default, value in force, description) for every setting (or every one
    ``process`` reads), in :class:`Settings`' order."""
    secrets = secret_values(settings)
    out = []
    names = process_fields(process) if process else list(Settings.model_fields)
    for name in names:
        field = Settings.model_fields[name]
        default = "" if field.is_required() else _show(field.get_default(call_default_factory=True))
        current = _show_secret(getattr(settings, name), secrets)
        doc = " ".join((field.description or "").split())  # one line, however it was wrapped
        out.append((f"LEADSTREAM_{name.upper()}", default, current, doc))
    return out


def _show_secret(value: object, secrets: set[str]) -> str:
    """A value in force with its secrets masked, by value (see :mod:`streams.redact`):
    a setting is never hidden for its name."""
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    if isinstance(value, dict):
        return redact_text(_show(redact_config(value)), secrets)
    return redact_text(_show(value), secrets)


def _show(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def config_doc(settings: Settings, process: str | None = None) -> list[dict[str, str]]:
    """What ``config --json`` prints: one object per setting (passwords masked)."""
    return [{"variable": env, "field": env.removeprefix("LEADSTREAM_").lower(),
             "default": default, "value": current, "description": doc}
            for env, default, current, doc in rows(settings, process)]


def render(console: Console, settings: Settings, process: str | None = None) -> None:
    """A table on a wide terminal; below 120 columns one block per setting: the variable
    and its value (and default, when it differs), the meaning indented under it."""
    if console.width >= 120:
        table = Table("variable", "default", "in force", "meaning")
        for env, default, current, doc in rows(settings, process):
            table.add_row(env, default, current if current != default else "", doc)
        console.print(fit_columns(table, variable=30, meaning=40))
        return
    for env, default, current, doc in rows(settings, process):
        line = Text.assemble((env, "bold"), " = ", current or '""')
        if current != default:
            line.append(f"  (default {default or '-'})", style="yellow")
        line.overflow = "fold"
        console.print(line)
        console.print(Padding(Text(doc, overflow="fold"), (0, 0, 0, 4)))


@click.command("config")
@click.option("--markdown", is_flag=True, help="Print a Markdown table (for docs).")
@click.option("--process", type=click.Choice(sorted(PROCESSES)), default=None,
              help="Only the settings this process reads (its own and the shared ones).")
@json_option
def config(markdown: bool, process: str | None, as_json: bool) -> None:
    """Every setting: environment variable, default, value in force, meaning."""
    settings = Settings()
    if as_json:
        print_json(config_doc(settings, process))
        return
    if markdown:
        click.echo("| variable | default | meaning |\n|---|---|---|")
        for env, default, _, doc in rows(settings, process):
            click.echo(f"| `{env}` | `{default}` | {doc} |")
        return
    render(console(), settings, process)
