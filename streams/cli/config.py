"""``leadstream config``: every setting, its environment variable, default and current value."""

from __future__ import annotations

import json

import click
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from streams.redact import MASK, redact_config, redact_url, secret_key
from streams.settings import Settings


def rows(settings: Settings) -> list[tuple[str, str, str, str]]:
    """(env var, default, value in force, description) for every setting, in file order."""
    out = []
    for name, field in Settings.model_fields.items():
        default = "" if field.is_required() else _show(field.get_default(call_default_factory=True))
        current = _show_secret(name, getattr(settings, name))
        out.append((f"LEADSTREAM_{name.upper()}", default, current, field.description or ""))
    return out


def _show_secret(name: str, value: object) -> str:
    """A value in force, with secrets masked (see :mod:`streams.redact`)."""
    if value and (isinstance(value, SecretStr) or secret_key(name)):
        return MASK
    if isinstance(value, dict):
        return _show(redact_config(value))
    return redact_url(_show(value))


def _show(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


@click.command("config")
@click.option("--markdown", is_flag=True, help="Print a Markdown table (for docs).")
def config(markdown: bool) -> None:
    """Every setting: environment variable, default, value in force, meaning."""
    settings = Settings()
    if markdown:
        click.echo("| variable | default | meaning |\n|---|---|---|")
        for env, default, _, doc in rows(settings):
            click.echo(f"| `{env}` | `{default}` | {doc} |")
        return
    table = Table("variable", "default", "in force", "meaning")
    for env, default, current, doc in rows(settings):
        table.add_row(env, default, current if current != default else "", doc)
    Console().print(table)
