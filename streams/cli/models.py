"""``leadstream models``: promote, rollback, history, show."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from schemas.alerts import ControlAlert
from schemas.control import AuditEntry, ControlAction, ServingConfig
from schemas.errors import FatalError
from schemas.privacy import ErasureEntry
from streams.cli.common import fit_columns, json_option, print_json
from streams.cli.experiment import actor_option, ask, console, print_config, reason_option
from streams.control.client import alerts, history, latest_config
from streams.control.forget import erasures
from streams.settings import Settings


@click.group()
def models() -> None:
    """Promote and roll back model versions; show the serving configuration and history."""


@models.command()
@click.argument("version")
@actor_option
@reason_option
def promote(version: str, actor: str, reason: str) -> None:
    """Make VERSION the champion (stops any experiment; the old champion is remembered)."""
    ask(Settings(), ControlAction.PROMOTE_VERSION, actor, reason, version=version)


@models.command()
@click.argument("version", required=False)
@actor_option
@reason_option
def rollback(version: str | None, actor: str, reason: str) -> None:
    """Move the champion back to VERSION (default: the previous champion).

    A version that was itself rolled back is refused.
    """
    ask(Settings(), ControlAction.ROLLBACK, actor, reason, version=version)


@models.command()
def show() -> None:
    """The serving configuration in force (last record on models.control)."""
    settings = Settings()
    config = latest_config(settings, settings.model_name)
    if config is None:
        raise FatalError(f"no serving configuration for {settings.model_name} yet")
    print_config(config)


@models.command("history")
@click.option("--alerts/--no-alerts", "with_alerts", default=True,
              help="Also list what the controller refused.")
@click.option("--erasures/--no-erasures", "with_erasures", default=True,
              help="Also list erasures (`leadstream forget`) and those not applied.")
@json_option
def history_command(with_alerts: bool, with_erasures: bool, as_json: bool) -> None:
    """Every serving change: when, who, what, why, from and to; and every erasure (the lead
    only as the SHA-256 of its id)."""
    settings = Settings()
    entries = history(settings, settings.model_name)
    refused = [a for a in alerts(settings, settings.model_name)  # a canary's own actions
               if not a.kind.startswith("auto_")] if with_alerts else []  # are audited
    erased, not_erased = erasures(settings) if with_erasures else ([], [])
    if as_json:
        print_json(history_doc(settings.model_name, entries, refused, erased, not_erased))
    else:
        out = console()
        render_history(out, settings.model_name, entries, refused)
        render_erasures(out, erased, not_erased)


def history_doc(model: str, entries: list[AuditEntry], refused: list[ControlAlert],
                erased: list[ErasureEntry] | None = None,
                not_erased: list[ControlAlert] | None = None) -> dict:
    """What ``models history --json`` prints: the audit entries and refusals as published;
    the erasure entries as on models.audit (lead as its SHA-256) and the erasure alerts."""
    return {"model": model, "changes": [e.model_dump(mode="json") for e in entries],
            "refused": [a.model_dump(mode="json") for a in refused],
            "erasures": [e.model_dump(mode="json") for e in erased or []],
            "erasures_refused": [a.model_dump(mode="json") for a in not_erased or []]}


def render_history(out: Console, model: str, entries: list[AuditEntry],
                   refused: list[ControlAlert]) -> None:
    """A table on a wide terminal; below 120 columns one block per change (what, who and
    when on one line, the change and the reason indented under it)."""
    if out.width >= 120:
        table = Table("seq", "at (UTC)", "actor", "action", "change", "reason",
                      title=f"{model}: serving changes")
        for e in entries:
            reason = f"{e.reason} [{evidence_brief(e.evidence)}]" if e.evidence else e.reason
            table.add_row(str(e.sequence), _at(e.at), e.actor, e.action,
                          f"{_brief(e.before)} → {_brief(e.after)}", reason)
        out.print(fit_columns(table, at_UTC=19, change=16, reason=30))
    else:
        out.print(f"[bold]{model}: serving changes[/]")
        for e in entries:
            out.print(Text.assemble((f"#{e.sequence}", "bold"), f" {_at(e.at)} UTC  ",
                                    (e.action, "bold"), f" by {e.actor}", overflow="fold"))
            out.print(Padding(Text(f"{_brief(e.before)} → {_brief(e.after)}", overflow="fold"),
                              (0, 0, 0, 4)))
            if e.reason:
                out.print(Padding(Text(e.reason, overflow="fold"), (0, 0, 0, 4)))
            if e.evidence:
                out.print(Padding(Text(f"evidence: {evidence_brief(e.evidence)}",
                                       overflow="fold"), (0, 0, 0, 4)))
    for a in refused:
        out.print(f"[yellow]{_at(a.at)} refused {a.source} ({a.kind}) by {a.actor}:[/] "
                  f"{a.message}")


def evidence_brief(ev: dict) -> str:
    """An automatic decision's evidence on one line: outcomes and conversions per arm, the
    always-valid test and interval, SRM, and the guardrails that were not HEALTHY."""
    def num(key: str, fmt: str) -> str:
        value = ev.get(key)
        if not isinstance(value, int | float):
            return "-"
        return format(value, "g" if fmt == "d" and isinstance(value, float) else fmt)

    def value(name: str) -> str:
        v = ev.get(f"value.{name}")
        return f" ({v:.4g})" if isinstance(v, int | float) else ""

    off = [f"{k.removeprefix('guardrail.')}={v}{value(k.removeprefix('guardrail.'))}"
           for k, v in sorted(ev.items()) if k.startswith("guardrail.") and v != "HEALTHY"]
    return (f"control {num('control_conversions', 'd')}/{num('control_outcomes', 'd')}, "
            f"treatment {num('treatment_conversions', 'd')}/{num('treatment_outcomes', 'd')}"
            f"; p={num('p_value', '.3g')}, CI [{num('lower', '+.4f')}, {num('upper', '+.4f')}]"
            f"; SRM p={num('srm_p_value', '.3g')}; guardrails "
            f"{', '.join(off) if off else 'all HEALTHY'}")


def render_erasures(out: Console, erased: list[ErasureEntry],
                    not_erased: list[ControlAlert]) -> None:
    """One line per erasure: when, who, the lead's digest (never its id), what it removed."""
    if not erased and not not_erased:
        return
    out.print("[bold]erasures[/] (leads by the SHA-256 of their id)")
    for e in erased:
        files = ",".join(e.persistence) if e.persistence else "not rewritten"
        out.print(Text(f"{_at(e.at)} UTC  erased lead sha256:{e.lead_sha256} by {e.actor}: "
                       f"{e.total} entries removed; persistence {files}; request "
                       f"{e.request_id}", overflow="fold"))
    for a in not_erased:
        out.print(Text(f"{_at(a.at)} UTC  erasure request {a.request_id or '?'} "
                       f"{a.kind} (by {a.actor}): {a.message}", style="yellow",
                       overflow="fold"))


def _at(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _brief(c: ServingConfig | None) -> str:
    if c is None:
        return "-"
    challenger = f" vs v{c.challenger_version} {c.mode.value} {c.treatment_share:g}" \
        if c.challenger_version else ""
    return f"v{c.champion_version}{challenger}"
