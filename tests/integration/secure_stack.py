"""A secured stack (``stack up --secure``) for the integration tests, on its own slot.

Import the fixtures into a test module (``from tests.integration.secure_stack import
secure_stack, secure_settings``). The stack starts once per session, only when a test asks
for it, with SASL_SSL Kafka, ACLs from ``streams/stack/acls.toml`` and one Redis ACL user per
principal (``streams/stack/redis_acls.toml``).

  secure_stack     (session)  :class:`SecureStack`: ``as_(principal, base)`` gives settings
                              that connect as that principal.
  secure_settings  (function) base Settings with fresh topic names, group and transactional
                              id (the id starts with the group, as the ACL table asks);
                              topics created and the ACL table applied for them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from confluent_kafka.admin import AdminClient

from streams.kafka.topics import ensure_topics, suffixed_topics
from streams.settings import Settings
from streams.stack import stack_down, stack_up
from streams.stack.acls import apply_acls
from streams.stack.credentials import ADMIN, StackCredentials, load_credentials, principal_settings
from tests.integration.helpers import wait_until


@dataclass(frozen=True)
class SecureStack:
    settings: Settings
    """The slot's settings as a plain client would have them (no credentials)."""
    creds: StackCredentials

    def as_(self, principal: str, base: Settings | None = None) -> Settings:
        return principal_settings(base or self.settings, self.creds, principal)

    def admin(self, base: Settings | None = None) -> AdminClient:
        return AdminClient(self.as_(ADMIN, base).kafka_config())


@pytest.fixture(scope="session")
def secure_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureStack]:
    from tests.integration.conftest import _claim_slot  # conftest imports this module
    settings, lock = _claim_slot(tmp_path_factory.mktemp("leadstream-secure"))
    try:
        stack_up(settings, secure=True)
        creds = load_credentials(settings)
        assert creds is not None
        yield SecureStack(settings, creds)
    finally:
        stack_down(settings)
        lock.close()


@pytest.fixture
def secure_settings(secure_stack: SecureStack, request: pytest.FixtureRequest) -> Settings:
    tag = f"{re.sub(r'[^A-Za-z0-9_-]+', '_', request.node.name)[:30]}-{uuid.uuid4().hex[:6]}"
    base = secure_stack.settings
    fields: dict[str, object] = {"topics": suffixed_topics(base, tag)}
    group = f"{base.consumer_group}-{tag}"
    fields.update(consumer_group=group, transactional_id=f"{group}-0",
                  model_name=f"m-{uuid.uuid4().hex[:8]}")
    settings = base.model_copy(update=fields)
    names = set(ensure_topics(secure_stack.as_(ADMIN, settings)))
    admin = secure_stack.admin(settings)
    apply_acls(admin, settings)
    wait_until(lambda: names <= set(admin.list_topics(timeout=10).topics), 30,
               "the broker's metadata to show the new topics")
    return settings
