"""One batch of newest scores to the CRM: chunked to its limit, permanent refusals narrowed.

A CRM that refuses a whole request for one bad record (a 4xx for the batch) would otherwise
take the good records down with it: such a request is split in halves and each half sent
again, until the refusal is pinned on single leads. A per-record refusal in a 2xx answer
(HubSpot's 207, Salesforce's results, a webhook's ``rejected``) needs no split. A 2xx answer
the format cannot read (or only partly) leaves its leads in doubt: they are refused as
``crm_answer_unreadable`` with the answer, never a crash. Every lead sent ends delivered or
refused, once; or :class:`~streams.sink.http.CrmUnavailable` holds the whole batch back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from schemas.sink import RESPONSE_CHARS, SinkRejectReason
from scoring.writeback.formats import CrmFormat
from scoring.writeback.score import CrmAnswer, WritebackScore
from streams.sink.http import CrmClient, CrmResponse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    score: WritebackScore
    status: int
    response: str
    """The CRM's words (or the sink's, then the answer), capped, without the sink's secrets."""
    reason: SinkRejectReason = SinkRejectReason.CRM_REJECTED


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
        answer = _read(chunk, fmt, resp)
        text = _text(resp, client)
        for s in chunk:
            if s.lead_id in answer.rejected:
                words = client.redact(answer.rejected[s.lead_id])
                out.refused.append(Refusal(s, resp.status, words))
            elif s.lead_id in answer.unreadable:
                why = f"{answer.unreadable[s.lead_id]}; the CRM answered: {text}"
                out.refused.append(Refusal(s, resp.status, why[:RESPONSE_CHARS],
                                           SinkRejectReason.CRM_ANSWER_UNREADABLE))
            else:
                out.delivered.append(s)
        return
    if len(chunk) > 1:
        half = len(chunk) // 2
        _send(chunk[:half], fmt, client, out)
        _send(chunk[half:], fmt, client, out)
        return
    out.refused.append(Refusal(chunk[0], resp.status, _text(resp, client)))


def _read(chunk: list[WritebackScore], fmt: CrmFormat, resp: CrmResponse) -> CrmAnswer:
    """The format's reading of a 2xx answer; one it fails on leaves the chunk in doubt."""
    try:
        return fmt.answer(chunk, resp.body)
    except Exception as exc:  # any answer: a dead letter, never a crash
        log.warning("could not read the %s answer (%s): %d scores dead-lettered as "
                    "unreadable", fmt.name, type(exc).__name__, len(chunk))
        return CrmAnswer.all_unreadable(chunk, f"the sink failed reading it "
                                               f"({type(exc).__name__})")


def _text(resp: CrmResponse, client: CrmClient) -> str:
    """The start of the answer's body as text, without the sink's secrets."""
    raw = resp.body[:RESPONSE_CHARS * 4].decode("utf-8", "replace")
    return client.redact(raw)[:RESPONSE_CHARS]
