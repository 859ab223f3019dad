"""One batch of newest scores to the CRM: chunked to its limit, permanent refusals narrowed.

A CRM that refuses a whole request for one bad record (a 4xx for the batch) would otherwise
take the good records down with it: such a request is split in halves and each half sent
again, until the refusal is pinned on single leads. A per-record refusal in a 2xx answer
(HubSpot's 207, Salesforce's results, a webhook's ``rejected``) needs no split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from schemas.sink import RESPONSE_CHARS
from scoring.writeback.formats import CrmFormat
from scoring.writeback.score import WritebackScore
from streams.sink.http import CrmClient


@dataclass(frozen=True)
class Refusal:
    score: WritebackScore
    status: int
    response: str


@dataclass
class Delivery:
    delivered: list[WritebackScore] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    requests: int = 0


def deliver(scores: Sequence[WritebackScore], fmt: CrmFormat, client: CrmClient,
            batch_size: int) -> Delivery:
    """Send every score; raise :class:`~streams.sink.http.CrmUnavailable` if the CRM is
    down (then nothing of this batch counts as delivered for the caller)."""
    out = Delivery()
    size = max(1, min(batch_size, fmt.max_batch))
    for start in range(0, len(scores), size):
        _send(list(scores[start:start + size]), fmt, client, out)
    return out


def _send(chunk: list[WritebackScore], fmt: CrmFormat, client: CrmClient,
          out: Delivery) -> None:
    resp = client.send(fmt.request(chunk))
    out.requests += 1
    if resp.ok:
        rejected = fmt.answer(chunk, resp.body).rejected
        for s in chunk:
            if s.lead_id in rejected:
                out.refused.append(Refusal(s, resp.status, rejected[s.lead_id]))
            else:
                out.delivered.append(s)
        return
    if len(chunk) > 1:
        half = len(chunk) // 2
        _send(chunk[:half], fmt, client, out)
        _send(chunk[half:], fmt, client, out)
        return
    text = resp.body.decode("utf-8", "replace")[:RESPONSE_CHARS]
    out.refused.append(Refusal(chunk[0], resp.status, text))
