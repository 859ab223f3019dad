"""Where a batch starts and ends in each partition, and what the consumer does with it.

A batch is the events of one ``consume``: per partition a contiguous run of offsets.

- its transaction commits, per partition, the offset after its last event
  (:func:`next_offsets`), not the consumer's position, so it commits exactly what it
  processed, even when a rebalance moved the position meanwhile;
- after an abort the consumer is sought back to its first offsets (:func:`rewind`) and
  the next ``consume`` forms a new batch from there. Its records were never visible to a
  ``read_committed`` reader (the monitor agents included, :mod:`streams.agents.committed`),
  so nothing needs to match the aborted batch;
- events of a partition revoked during the ``consume`` that returned them are dropped
  (:func:`without_revoked`): the new owner starts from the committed offset. If the same
  partition came back in that rebalance, the consumer is sought to the first dropped
  event, so that nothing is fetched twice or skipped;
- :func:`offsets_tag` names the batch in its ``monitor.samples`` ids. Committed batches never
  overlap, so the tag is unique among them, which is all the agents' de-duplication of
  their own at-least-once redeliveries needs.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence

from confluent_kafka import Consumer, KafkaException, TopicPartition

from schemas.errors import FatalError
from scoring.intake import RawEvent

log = logging.getLogger(__name__)

Part = tuple[str, int]


def first_offsets(events: Sequence[RawEvent]) -> dict[Part, int]:
    first: dict[Part, int] = {}
    for e in events:
        part = (e.topic, e.partition)
        first[part] = min(first.get(part, e.offset), e.offset)
    return first


def next_offsets(events: Sequence[RawEvent]) -> list[TopicPartition]:
    """Per partition of the batch, the offset after its last event (what to commit)."""
    last: dict[Part, int] = {}
    for e in events:
        part = (e.topic, e.partition)
        last[part] = max(last.get(part, e.offset), e.offset)
    return [TopicPartition(t, p, o + 1) for (t, p), o in sorted(last.items())]


def offsets_tag(events: Sequence[RawEvent]) -> str:
    """The batch's offset ranges as text, e.g. ``0:100-180,3:7-9``."""
    first = first_offsets(events)
    last = {(tp.topic, tp.partition): tp.offset - 1 for tp in next_offsets(events)}
    return ",".join(f"{p}:{first[(t, p)]}-{last[(t, p)]}" for t, p in sorted(first))


def seek(consumer: Consumer, offsets: dict[Part, int], assigned: Collection[Part],
         strict: bool = True) -> int:
    """Seek every partition of ``offsets`` this consumer still owns; returns how many.

    ``strict=False``: a partition that cannot be sought yet (just assigned, not fetching)
    is left alone; it will fetch from its committed offset, which is where it must go."""
    n = 0
    for (topic, partition), offset in sorted(offsets.items()):
        if (topic, partition) not in assigned:
            continue  # revoked meanwhile: its new owner starts from the committed offset
        try:
            consumer.seek(TopicPartition(topic, partition, offset))
        except KafkaException as exc:
            if not strict:
                log.info("not seeking %s[%d] to %d (%s): it fetches from its committed "
                         "offset", topic, partition, offset, exc.args[0])
                continue
            raise FatalError(f"cannot seek {topic}[{partition}] back to {offset} "
                             f"({exc.args[0]}); a restart resumes from the committed "
                             "offsets") from exc
        n += 1
    return n


def assigned_parts(consumer: Consumer) -> set[Part]:
    return {(tp.topic, tp.partition) for tp in consumer.assignment()}


def rewind(consumer: Consumer, events: Sequence[RawEvent]) -> int:
    """Seek back to the first event of each partition of an aborted batch."""
    return seek(consumer, first_offsets(events), assigned_parts(consumer))


def without_revoked(consumer: Consumer, events: list[RawEvent], revoked: set[Part]
                    ) -> list[RawEvent]:
    """``events`` minus those of partitions revoked while they were consumed (see above)."""
    assigned = assigned_parts(consumer)
    keep = [e for e in events if (e.topic, e.partition) in assigned - revoked]
    dropped = [e for e in events if (e.topic, e.partition) not in assigned - revoked]
    seek(consumer, first_offsets(dropped), assigned, strict=False)
    return keep
