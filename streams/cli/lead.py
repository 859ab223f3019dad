"""``leadstream lead LEAD_ID``: every score the lead got, newest first, with its outcome.

Reads the lead's score history (:mod:`streams.stores.history`: the ``leads.scored``
documents as published) and its joined outcome (:mod:`streams.stores.labels`, under the
model version that served it). Fields are taken from the documents as they are: ``grade``
when the record has one, else ``bucket``; ``reasons`` when present. ``--json`` prints the
documents unchanged, each with its ``outcome``.

Exit 1 with one line on stderr when the lead has no history (never scored, expired or
forgotten) or Redis cannot be reached.
"""

from __future__ import annotations

import json

import click
import redis
from rich.console import Console
from rich.table import Table

from streams.cli.common import fit_columns, json_option, print_json
from streams.settings import Settings
from streams.stores.history import History
from streams.stores.labels import LeadOutcome, lead_outcomes
from streams.stores.ledger import redis_client

TIMEOUT_S = 2.0


def read(settings: Settings, lead_id: str) -> list[dict]:
    """The lead's scores, newest first, each with ``outcome`` (``None`` when unknown)."""
    client = redis_client(settings.redis_url, TIMEOUT_S)
    try:
        history = History(client, settings.history_max_entries,
                          settings.history_ttl_days * 86_400)
        docs = [json.loads(raw) for raw in history.entries(lead_id)]
        versions = list(dict.fromkeys((d.get("model_name", ""), str(d.get("model_version", "")))
                                      for d in docs))
        outcomes = lead_outcomes(client, lead_id, versions)
    finally:
        client.close()
    for d in docs:
        d["outcome"] = _outcome(outcomes.get((d.get("model_name", ""),
                                              str(d.get("model_version", "")))))
    return docs


def _outcome(o: LeadOutcome | None) -> dict | None:
    if o is None:
        return None
    return {"converted": o.converted, "occurred_at": o.occurred_at.isoformat()}


def _reasons(reasons: object) -> str:
    """Reasons as ``+label, -label``, whatever their exact shape."""
    if not isinstance(reasons, list):
        return "" if reasons is None else str(reasons)
    parts = []
    for r in reasons:
        if isinstance(r, dict):
            name = r.get("label") or r.get("feature") or "?"
            parts.append(f"{r.get('direction', '')}{name}")
        else:
            parts.append(str(r))
    return ", ".join(parts)


def _number(v: object) -> str:
    return f"{v:.3f}" if isinstance(v, int | float) else ""


def table(lead_id: str, docs: list[dict]) -> Table:
    t = fit_columns(Table(title=f"lead {lead_id}: {len(docs)} score(s), newest first"),
                    scored_at=20)
    for header in ("scored at", "model", "variant", "score", "grade", "trend", "previous",
                   "reasons", "outcome"):
        t.add_column(header, justify="right" if header in ("score", "previous") else "left")
    for d in docs:
        o = d["outcome"]
        t.add_row(str(d.get("scored_at", "")), f"v{d.get('model_version', '?')}",
                  str(d.get("variant", "")), _number(d.get("score")),
                  str(d.get("grade", d.get("bucket", ""))), str(d.get("trend") or "unknown"),
                  _number(d.get("previous_score")), _reasons(d.get("reasons")),
                  "" if o is None else ("converted" if o["converted"] else "not converted"))
    return t


@click.command("lead")
@click.argument("lead_id")
@json_option
def lead(lead_id: str, as_json: bool) -> None:
    """Every score LEAD_ID got, newest first: when, model version and variant, score,
    grade, trend, reasons and its outcome if known."""
    settings = Settings()
    try:
        docs = read(settings, lead_id)
    except (redis.RedisError, OSError) as exc:
        raise click.ClickException(f"cannot read the score history: Redis unavailable "
                                   f"({type(exc).__name__}: {exc})") from None
    if not docs:
        raise click.ClickException(f"no score history for lead {lead_id!r} (never scored, "
                                   f"expired after {settings.history_ttl_days} days, or "
                                   f"forgotten)")
    if as_json:
        print_json({"lead_id": lead_id, "scores": docs})
    else:
        Console().print(table(lead_id, docs))
