"""``leadstream forget LEAD_ID``: erase one lead's data from every Redis structure.

The CLI may not write the audit topic (only the agents may): it sends an erasure request
and, with ``--wait`` (the default), waits for the agents' answer (:mod:`streams.control.forget`):
the erasure entry (what each structure lost, the persistence files Redis rewrote) or the
alert saying why it was not applied (exit 1). ``--no-wait`` only sends it: the agents apply
it whenever they read it, and ``models history`` lists it. Kafka keeps the lead's records
until retention (docs/how-to/erase-a-lead.md); the sink and ``lead`` skip them.
"""

from __future__ import annotations

import click

from streams.cli.common import json_option, print_json
from streams.cli.experiment import actor_option
from streams.control.forget import erasure_request, forget, send
from streams.settings import Settings


@click.command("forget")
@click.argument("lead_id")
@actor_option
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Wait for the agents to report the erasure done (or refused).")
@click.option("--timeout", "timeout_s", type=float, default=None,
              help="Seconds to wait for the agents (default LEADSTREAM_FORGET_WAIT_S).")
@json_option
def forget_lead(lead_id: str, actor: str, wait: bool, timeout_s: float | None,
                as_json: bool) -> None:
    """Erase LEAD_ID from the ledger, experiments, label windows, parked outcomes,
    de-duplication claims, score history and the sink's watermark; audited on models.audit
    (by digest)."""
    settings, request = Settings(), erasure_request(lead_id, actor)
    if not wait:
        send(settings, request)
        if as_json:
            print_json({"request_id": request.request_id, "status": "sent"})
        else:
            click.echo(f"erasure request {request.request_id} sent; the agents apply it when "
                       f"they read it (`leadstream models history` lists it)")
        return
    entry = forget(settings, request, timeout_s)
    if as_json:
        print_json(entry.model_dump(mode="json") | {"total": entry.total, "status": "done"})
        return
    parts = ", ".join(f"{name} {n}" for name, n in entry.removed.items())
    files = ", ".join(entry.persistence) if entry.persistence else "not rewritten"
    click.echo(f"done: erased lead sha256:{entry.lead_sha256[:16]}… — {entry.total} entries "
               f"removed ({parts}); Redis persistence files: {files}; audited on "
               f"models.audit as request {entry.request_id} by {entry.actor}")
