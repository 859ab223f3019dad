"""Real Kafka, Redis and MLflow for the integration tests, started once per session.

The stack runs on its own ports (Kafka 19092 + 10·slot, Redis 16379 + 10·slot; Prometheus
and Alertmanager, when a test starts them, Kafka's + 3 and + 4) with a temporary ``home``,
so a developer's own stack on 9092/6379 is never touched. A slot is claimed with a lock
file, so two pytest sessions on one machine do not clash, and whatever a crashed session
left running in that slot is stopped first.

Fixtures:
  stack_settings   (session)  Settings of the running stack; topics created.
  make_settings    (function) ``make_settings(**updates) -> Settings`` with fresh topic
                              names, consumer group and transactional id; topics created.
  fresh_settings   (function) ``make_settings()``; Redis is flushed for each test.
  kafka_admin      (session)  confluent-kafka AdminClient on the stack.
  redis_client     (function) redis.Redis on the stack.
  chaos            (function) Chaos: stop/kill/start Kafka and Redis; restored afterwards.
  spare_stack      (session)  ``spare_stack(home=None) -> Settings`` of another, unstarted
                              slot (its ``home`` given or temporary); stopped at the end.
  secure_stack, secure_settings   a secured stack on its own slot (tests/integration/
                              secure_stack.py), started only when a test asks for it.
  cluster_stack, cluster_settings, kafka_cluster_admin   a 3-node Kafka cluster on its own
                              slot (tests/integration/cluster_stack.py), likewise.
"""

from __future__ import annotations

import fcntl
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
import redis
from confluent_kafka.admin import AdminClient

from streams.kafka.topics import suffixed_topics
from streams.settings import Settings
from streams.stack import (
    ensure_topics,
    kafka_restart,
    stack_down,
    stack_up,
    start_kafka,
    start_redis,
    stop_kafka,
    stop_redis,
)
from streams.stack.process import port_open
from tests.integration.cluster_stack import (  # noqa: F401
    cluster_settings,
    cluster_stack,
    kafka_cluster_admin,
)

# The secured stack's fixtures, defined in their own module (it imports _claim_slot below).
from tests.integration.secure_stack import secure_settings, secure_stack  # noqa: F401

KAFKA_BASE, REDIS_BASE, SLOT_STEP, SLOTS = 19092, 16379, 10, 30
# Below Linux's ephemeral range (32768-60999): while a test has the broker down, a client
# reconnecting to it can be given the broker's own port as its source port and connect to
# itself (TCP simultaneous open), holding the port, so the restarted broker cannot bind it.
LOCK_DIR = Path("/tmp")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.integration)


def _slot_settings(home: Path, slot: int) -> Settings:
    kafka, redis_port = KAFKA_BASE + SLOT_STEP * slot, REDIS_BASE + SLOT_STEP * slot
    return Settings(
        _env_file=None, home=home, bootstrap_servers=f"127.0.0.1:{kafka}",
        redis_url=f"redis://127.0.0.1:{redis_port}/0", kafka_port=kafka, redis_port=redis_port,
        mlflow_tracking_uri=f"sqlite:///{home}/mlflow.db", kafka_heap="512m",
        stack_start_timeout_s=120.0, prometheus_port=kafka + 3, alertmanager_port=kafka + 4,
        stack_alerting=False,
    )


def _claim_slot(home: Path) -> tuple[Settings, IO[str]]:
    """Lock a free slot, stop what a crashed session left there, and return its settings."""
    for slot in range(SLOTS):
        lock = (LOCK_DIR / f"leadstream-itest-slot-{slot}.lock").open("a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        lock.seek(0)
        previous = lock.read().strip()
        if previous and Path(previous).is_dir():
            stack_down(_slot_settings(Path(previous), slot))
        settings = _slot_settings(home, slot)
        if any(port_open(p) for p in (settings.kafka_port, settings.kafka_port + 1,
                                        settings.redis_port)):
            lock.close()  # a stranger holds these ports: try the next slot
            continue
        lock.seek(0)
        lock.truncate()
        lock.write(str(home))
        lock.flush()
        return settings, lock
    raise RuntimeError(f"no free integration-test slot in {SLOTS} (ports from {KAFKA_BASE})")


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    settings, lock = _claim_slot(tmp_path_factory.mktemp("leadstream-home"))
    try:
        stack_up(settings)
        yield settings
    finally:
        stack_down(settings)
        lock.close()


@pytest.fixture(scope="session")
def spare_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], Settings]]:
    """Settings of another free slot (not started): for tests of ``stack up``/``down`` and
    of commands that start their own stack (the demo)."""
    claimed: list[tuple[Settings, IO[str]]] = []

    def claim(home: Path | None = None) -> Settings:
        claimed.append(_claim_slot(home or tmp_path_factory.mktemp("leadstream-spare")))
        return claimed[-1][0]

    yield claim
    for settings, lock in claimed:
        stack_down(settings)
        lock.close()


def _tag(request: pytest.FixtureRequest) -> str:
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name)[:40]
    return f"{name}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def make_settings(
    stack_settings: Settings, request: pytest.FixtureRequest
) -> Callable[..., Settings]:
    """A factory of Settings with unique topic names, group and transactional id."""
    def make(**updates: object) -> Settings:
        tag = _tag(request)
        fields: dict[str, object] = {"topics": suffixed_topics(stack_settings, tag)}
        fields["consumer_group"] = f"{stack_settings.consumer_group}-{tag}"
        fields["transactional_id"] = f"{stack_settings.transactional_id}-{tag}"
        fields.update(updates)
        settings = stack_settings.model_copy(update=fields)
        ensure_topics(settings)
        return settings

    return make


@pytest.fixture
def fresh_settings(make_settings: Callable[..., Settings], redis_client: redis.Redis) -> Settings:
    redis_client.flushdb()
    return make_settings()


@pytest.fixture(scope="session")
def kafka_admin(stack_settings: Settings) -> AdminClient:
    return AdminClient(stack_settings.kafka_config())


@pytest.fixture
def redis_client(stack_settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(stack_settings.redis_url)
    yield client
    client.close()


class Chaos:
    """Break and mend the session's services; every method waits until it is done."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def stop_redis(self, force: bool = False) -> None:
        stop_redis(self.settings, force=force)

    def start_redis(self) -> None:
        start_redis(self.settings)

    def stop_kafka(self, force: bool = False) -> None:
        stop_kafka(self.settings, force=force)

    def kill_kafka(self) -> None:
        stop_kafka(self.settings, force=True)

    def start_kafka(self) -> None:
        start_kafka(self.settings)

    def restart_kafka(self, force: bool = False) -> None:
        kafka_restart(self.settings, force=force)


@pytest.fixture
def chaos(stack_settings: Settings) -> Iterator[Chaos]:
    yield Chaos(stack_settings)
    start_redis(stack_settings)
    start_kafka(stack_settings)
