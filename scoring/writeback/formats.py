"""The CRM formats the sink speaks, by name, and how many leads each takes per request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scoring.writeback import dynamics, hubspot, salesforce, webhook
from scoring.writeback.score import CrmAnswer, CrmRequest, WritebackScore


@dataclass(frozen=True)
class CrmFormat:
    name: str
    request: Callable[[Sequence[WritebackScore]], CrmRequest]
    answer: Callable[[Sequence[WritebackScore], bytes], CrmAnswer]
    max_batch: int
    """The CRM's own limit of records per request."""


FORMATS: dict[str, CrmFormat] = {
    "webhook": CrmFormat("webhook", webhook.request, webhook.answer, 1000),
    "dynamics": CrmFormat("dynamics", dynamics.request, dynamics.answer, 1000),
    "hubspot": CrmFormat("hubspot", hubspot.request, hubspot.answer, 100),
    "salesforce": CrmFormat("salesforce", salesforce.request, salesforce.answer,
                            salesforce.MAX_RECORDS),
}
