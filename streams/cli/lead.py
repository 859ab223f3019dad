"""``leadstream lead LEAD_ID``: every score the lead got, newest first, with its outcome.

Reads the lead's score history (:mod:`streams.stores.history`: compact entries of the
published scores — score, grade, model version, scoring time, source position; of a
forgotten lead, :mod:`streams.stores.erased`, only scores made after its erasure) and its
joined outcome (:mod:`streams.stores.labels`, under the model version that served it).
Each score's previous score and trend are those of the entry before it (the oldest kept
entry is ``new`` unless the bound pushed older ones out: then unknown). The reasons and
the rest of each document are on ``leads.scored``. ``--json`` prints the entries, each with
its ``outcome``.

Exit 1 with one line on stderr when the lead has no history (never scored, expired or
forgotten) or Redis cannot be reached.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
import redis
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from scoring.trend import trend
from streams.cli.common import console, fit_columns, json_option, print_json
from streams.settings import Settings
from streams.stores.erased import ErasedLeads
from streams.stores.history import History
from streams.stores.labels import LeadOutcome, lead_outcomes
from streams.stores.ledger import redis_client

TIMEOUT_S = 2.0


def read(settings: Settings, lead_id: str) -> list[dict]:
    """The lead's scores, newest first, each with ``outcome`` (``None`` when unknown); of a
    forgotten lead only those scored after its erasure (:func:`after_erasure`)."""
    client = redis_client(settings.redis_url, TIMEOUT_S)
    try:
        history = History(client, settings.history_max_entries,
                          settings.history_ttl_days * 86_400)
        erased_ms = ErasedLeads.of(client, settings).erased_at([lead_id]).get(lead_id)
        entries = with_trends(history.entries(lead_id), settings.trend_delta,
                              settings.history_max_entries, settings.model_name)
        docs = after_erasure(entries, erased_ms)
        versions = list(dict.fromkeys((d.get("model_name", ""), str(d.get("model_version", "")))
                                      for d in docs))
        outcomes = lead_outcomes(client, lead_id, versions)
    finally:
        client.close()
    for d in docs:
        d["outcome"] = _outcome(outcomes.get((d.get("model_name", ""),
                                              str(d.get("model_version", "")))))
    return docs


def with_trends(entries: list[dict], delta: float, max_entries: int,
                model_name: str) -> list[dict]:
    """The entries (newest first) with ``previous_score`` and ``trend`` from the entry
    before each, and the model name the scorer serves."""
    for i, e in enumerate(entries):
        before = entries[i + 1]["score"] if i + 1 < len(entries) else None
        known = before is not None or len(entries) < max_entries
        e["model_name"] = model_name
        e["previous_score"] = before
        e["trend"] = trend(before, e["score"], delta).value if known else None
    return entries


def after_erasure(docs: list[dict], erased_ms: int | None) -> list[dict]:
    """``docs`` minus those scored at or before the lead's erasure (a scorer batch in flight
    during ``forget`` may write them after it); a time that does not parse counts as
    before. ``erased_ms`` None: the lead was never forgotten, all stay."""
    if erased_ms is None:
        return docs
    return [d for d in docs if (t := _epoch_ms(d.get("scored_at"))) is not None
            and t > erased_ms]


def _epoch_ms(value: object) -> int | None:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return int((at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp() * 1000)


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


def _row(d: dict) -> dict[str, str]:
    o = d["outcome"]
    return {"scored at": str(d.get("scored_at", "")).replace("T", " "),
            "model": f"v{d.get('model_version', '?')}", "variant": str(d.get("variant", "")),
            "score": _number(d.get("score")), "grade": str(d.get("grade", d.get("bucket", ""))),
            "trend": str(d.get("trend") or "unknown"), "prev": _number(d.get("previous_score")),
            "reasons": _reasons(d.get("reasons")),
            "outcome": "" if o is None else ("converted" if o["converted"] else "not converted"),
            "event id": str(d.get("event_id") or "-"), "source": _source(d)}


def _source(d: dict) -> str:
    """Where the scored event sat on the incoming topic: ``partition/offset`` (two scores
    made in the same second differ here), or ``-`` for a record without it."""
    partition, offset = d.get("source_partition"), d.get("source_offset")
    return "-" if partition is None or offset is None else f"{partition}/{offset}"


def table(lead_id: str, docs: list[dict]) -> Table:
    t = Table(title=f"lead {lead_id}: {len(docs)} score(s), newest first")
    rows = [_row(d) for d in docs]
    for header in rows[0] if rows else ():
        t.add_column(header, justify="right" if header in ("score", "prev") else "left")
    for r in rows:
        t.add_row(*r.values())
    return fit_columns(t, scored_at=10, trend=9, event_id=8, source=6)


def render(out: Console, lead_id: str, docs: list[dict]) -> None:
    """A table on a wide terminal; below 120 columns one block per score (when, model,
    score, grade and trend on one line; reasons and outcome indented under it)."""
    if out.width >= 120:
        out.print(table(lead_id, docs))
        return
    out.print(f"[bold]lead {lead_id}: {len(docs)} score(s), newest first[/]")
    for r in map(_row, docs):
        prev = f" (from {r['prev']})" if r["prev"] else ""
        out.print(Text.assemble(f"{r['scored at']}  {r['model']} {r['variant']}  ",
                                (f"{r['score']} {r['grade']}", "bold"),
                                f"  {r['trend']}{prev}", overflow="fold"))
        out.print(Padding(Text(f"event {r['event id']}, incoming partition/offset "
                               f"{r['source']}", overflow="fold"), (0, 0, 0, 4)))
        for key in ("reasons", "outcome"):
            if r[key]:
                out.print(Padding(Text(f"{key}: {r[key]}", overflow="fold"), (0, 0, 0, 4)))


@click.command("lead")
@click.argument("lead_id")
@json_option
def lead(lead_id: str, as_json: bool) -> None:
    """Every score LEAD_ID got, newest first: when, model version, score, grade, trend and
    previous score, the event's partition/offset on the incoming topic, and its outcome if
    known (reasons, variant and event id are on leads.scored)."""
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
        render(console(), lead_id, docs)
