"""BatchTransaction: a transaction that outlived its timeout is redone, a real fence is fatal."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition

from schemas.errors import FatalError
from streams.kafka import transaction
from streams.kafka.io import OutRecord
from streams.kafka.transaction import BatchAborted, BatchTransaction

FENCED = KafkaError(KafkaError._FENCED, "fenced by a newer instance", fatal=True)


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _Producer:
    """Commits fail as fenced after ``commit_after_s`` of (fake) time, else succeed."""

    def __init__(self, clock: _Clock, commit_after_s: float):
        self.clock, self.commit_after_s = clock, commit_after_s
        self.calls: list[str] = []

    def init_transactions(self, _timeout: float) -> None:
        self.calls.append("init")

    def begin_transaction(self) -> None:
        self.calls.append("begin")

    def produce(self, *_args) -> None:
        self.calls.append("produce")

    def send_offsets_to_transaction(self, offsets, _meta, _timeout) -> None:
        self.calls.append(f"offsets {[(tp.partition, tp.offset) for tp in offsets]}")
        self.clock.now += self.commit_after_s

    def commit_transaction(self, _timeout: float) -> None:
        if self.commit_after_s:
            raise KafkaException(FENCED)
        self.calls.append("commit")


class _Consumer:
    def consumer_group_metadata(self) -> object:
        return object()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    clock = _Clock()
    monkeypatch.setattr(transaction.time, "monotonic", clock)
    return clock


def _publish(txn: BatchTransaction) -> None:
    txn.publish([OutRecord("out", b"k", b"v")], [TopicPartition("in", 0, 42)])


def test_a_transaction_past_its_timeout_is_redone_with_a_fresh_producer(clock) -> None:
    made = [_Producer(clock, commit_after_s=12.0), _Producer(clock, commit_after_s=0.0)]
    txn = BatchTransaction(lambda: made.pop(0) if made else None, _Consumer(),
                           lambda: False, timeout_s=10.0)
    first = txn._producer
    txn.init()
    with pytest.raises(BatchAborted, match=r"longer than transaction\.timeout\.ms"):
        _publish(txn)
    second = txn._producer
    assert second is not first and second.calls == ["init"]
    _publish(txn)
    assert second.calls == ["init", "begin", "produce", "offsets [(0, 42)]", "commit"]


def test_a_fence_within_the_timeout_is_another_instance_and_fatal(clock) -> None:
    producer = _Producer(clock, commit_after_s=2.0)
    txn = BatchTransaction(lambda: producer, _Consumer(), lambda: False, timeout_s=10.0)
    txn.init()
    with pytest.raises(FatalError, match="same transactional id"):
        _publish(txn)


TIMED_OUT = KafkaError(KafkaError._TIMED_OUT, "49 message(s) timed out", txn_requires_abort=True)
INVALID_STATE = KafkaError(KafkaError.INVALID_TXN_STATE, "Failed to end transaction",
                           fatal=True)


class _LeaderLostProducer(_Producer):
    """Its records time out after ``lost_s`` (an output partition's leader was killed);
    the abort then finds the transaction expired by the broker."""

    def __init__(self, clock: _Clock, lost_s: float):
        super().__init__(clock, commit_after_s=0.0)
        self.lost_s = lost_s

    def send_offsets_to_transaction(self, offsets, _meta, _timeout) -> None:
        self.clock.now += self.lost_s
        raise KafkaException(TIMED_OUT)

    def abort_transaction(self, _timeout: float) -> None:
        self.calls.append("abort")
        raise KafkaException(INVALID_STATE)


def test_an_abort_refused_after_the_broker_expired_the_transaction_is_redone(clock) -> None:
    made = [_LeaderLostProducer(clock, lost_s=25.0), _Producer(clock, commit_after_s=0.0)]
    txn = BatchTransaction(lambda: made.pop(0), _Consumer(), lambda: False, timeout_s=10.0)
    txn.init()
    first = txn._producer
    with pytest.raises(BatchAborted, match="timed out"):
        _publish(txn)
    assert first.calls[-1] == "abort"
    second = txn._producer
    assert second is not first and second.calls == ["init"]
    _publish(txn)
    assert second.calls[-1] == "commit" and not txn.open


def test_an_invalid_state_within_the_timeout_is_fatal(clock) -> None:
    txn = BatchTransaction(lambda: _LeaderLostProducer(clock, lost_s=2.0), _Consumer(),
                           lambda: False, timeout_s=10.0)
    txn.init()
    with pytest.raises(FatalError, match="cannot go on"):
        _publish(txn)


def test_before_commit_runs_once_the_offsets_are_sent_and_before_the_commit(clock) -> None:
    producer = _Producer(clock, commit_after_s=0.0)
    txn = BatchTransaction(lambda: producer, _Consumer(), lambda: False, timeout_s=10.0)
    txn.init()
    txn.publish([OutRecord("out", b"k", b"v")], [TopicPartition("in", 0, 42)],
                before_commit=lambda: producer.calls.append("history landed"))
    assert producer.calls == ["init", "begin", "produce", "offsets [(0, 42)]",
                              "history landed", "commit"]
