"""Which ``models.control`` records the controller wrote: the check scorers, ``status`` and
the CLI apply before taking a serving configuration.

With ``control_signing = required`` a record counts only when the controller's key signed
it (:func:`scoring.control.signing.verify`, with no age limit: the topic is compacted, and
the configuration in force may be months old). Anything else is logged (offset, reason,
claimed signer; never the value) and refused, so a record produced straight to the topic
with a huge ``sequence`` does not pin anybody.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from pydantic import ValidationError

from schemas.control import ServingConfig
from scoring.control.signing import Refused, verify
from streams.control.keys import controller_keys
from streams.kafka.reader import Record, TopicReader
from streams.settings import Settings

log = logging.getLogger(__name__)


class ControllerRecords:
    """Which ``models.control`` records are the controller's: with signing ``required``,
    only those its key signed (:func:`scoring.control.signing.verify`, no age limit: the
    topic is compacted); with signing off, every record."""

    def __init__(self, settings: Settings):
        self._keys = controller_keys(settings)

    def refusal(self, topic: str, rec: Record) -> Refused | None:
        if self._keys is None:
            return None
        result = verify(topic, rec.key, rec.value, rec.headers, self._keys,
                        time.time_ns() // 1_000_000, None)
        if isinstance(result, Refused):
            log.error("models.control record at offset %d ignored, not the controller's "
                      "(%s): %s", rec.offset, result.reason.value, result.message)
            return result
        return None


@dataclass(frozen=True)
class ControlView:
    """What ``models.control`` holds for a model: the controller's configuration in force,
    and the records that were ignored because the controller did not sign them."""

    config: ServingConfig | None
    forged: tuple[tuple[int, Refused], ...] = ()


def control_view(settings: Settings, model_name: str) -> ControlView:
    found: ServingConfig | None = None
    forged: list[tuple[int, Refused]] = []
    check = ControllerRecords(settings)
    with TopicReader(settings, settings.topic_models_control) as reader:
        for rec in reader.to_end():
            if rec.key != model_name.encode() or not rec.value:
                continue
            refused = check.refusal(reader.topic, rec)
            if refused is not None:
                forged.append((rec.offset, refused))
                continue
            config = _config(rec)
            if config is not None and (found is None or config.sequence > found.sequence):
                found = config
    return ControlView(found, tuple(forged))


def forged_rows(view: ControlView) -> list[dict]:
    """The ignored records as JSON-ready rows (``status --json``)."""
    return [{"offset": offset, "reason": r.reason.value, "message": r.message}
            for offset, r in view.forged]


def _config(rec: Record) -> ServingConfig | None:
    try:
        return ServingConfig.model_validate_json(rec.value or b"")
    except ValidationError as exc:
        log.error("invalid models.control record at offset %d skipped: %s", rec.offset,
                  str(exc)[:500])
        return None
