"""``leadstream forget LEAD_ID``: erase one lead's data from every Redis structure.

The CLI may not write the audit topic (only the agents may): it sends an erasure request
and waits for the agents' erasure entry (:mod:`streams.control.forget`), then prints what
each structure lost. Kafka keeps the lead's records until retention (README "Personal data").
"""

from __future__ import annotations

import click

from streams.cli.common import json_option, print_json
from streams.cli.experiment import actor_option
from streams.control.forget import erasure_request, forget
from streams.settings import Settings


@click.command("forget")
@click.argument("lead_id")
@actor_option
@click.option("--timeout", "timeout_s", type=float, default=None,
              help="Seconds to wait for the agents (default LEADSTREAM_FORGET_WAIT_S).")
@json_option
def forget_lead(lead_id: str, actor: str, timeout_s: float | None, as_json: bool) -> None:
    """Erase LEAD_ID from the ledger, experiments, label windows, parked outcomes,
    de-duplication claims and the sink's watermark; audited on models.audit (by digest)."""
    entry = forget(Settings(), erasure_request(lead_id, actor), timeout_s)
    if as_json:
        print_json(entry.model_dump(mode="json") | {"total": entry.total})
        return
    parts = ", ".join(f"{name} {n}" for name, n in entry.removed.items())
    click.echo(f"erased lead sha256:{entry.lead_sha256[:16]}… — {entry.total} entries "
               f"removed ({parts}); audited on models.audit as request {entry.request_id} "
               f"by {entry.actor}")
