"""``leadstream diagnose``: "the scores stopped working", investigated in one command.

Gathers what the system knows about a model (:mod:`streams.diagnose.collect`, read-only)
and prints the core's ranked findings (:mod:`monitors.diagnosis`): the likeliest root
cause first, each with its severity and numbers, then the next steps. ``--json`` prints
``{model, root_causes, next_steps, findings: [{kind, severity, summary, evidence,
action}]}``.
"""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from monitors.diagnosis import Diagnosis
from streams.cli.common import console, fit_columns, json_option, print_json
from streams.diagnose.collect import diagnosis_report
from streams.settings import Settings

_COLOR = {"critical": "red", "warning": "yellow", "info": "dim"}


def render(out: Console, report: Diagnosis) -> None:
    """The findings as a table that fits 80 columns, then the next steps."""
    table = Table(title=f"diagnosis of {report.model}, likeliest cause first")
    for header in ("#", "severity", "finding", "evidence"):
        table.add_column(header)
    fit_columns(table, severity=8, finding=18)
    for i, f in enumerate(report.findings, 1):
        color = _COLOR[f.level.value]
        table.add_row(str(i), f"[{color}]{f.level.value}[/]", f.summary, _numbers(f.evidence))
    out.print(table)
    steps = ", then ".join(a.value for a in report.actions)
    out.print(f"[bold]next step:[/] {steps}")


def _numbers(evidence: dict[str, object]) -> str:
    """The evidence in one cell; the per-feature importance shares only in ``--json``."""
    return " ".join(f"{k}={_value(v)}" for k, v in evidence.items()
                    if v not in (None, [], {}) and k != "shares")


def _value(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, dict | list):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


@click.command("diagnose")
@click.option("--model", help="Model name (default: LEADSTREAM_MODEL_NAME).")
@json_option
def diagnose(model: str | None, as_json: bool) -> None:
    """Rank the likely root causes of a model's trouble (freshness, data quality, drift,
    calibration, dead letters, scorer liveness and lag, CRM write-back) and name the next
    step."""
    settings = Settings()
    report = diagnosis_report(settings, model or settings.model_name)
    if as_json:
        print_json(report.as_dict())
        return
    render(console(), report)
