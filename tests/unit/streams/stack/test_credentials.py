"""Each principal's env file carries its own Redis user; a stack secured before there was
one Redis user per principal keeps its Kafka passwords and gets the Redis ones."""

from __future__ import annotations

import json
from pathlib import Path

from streams.settings import Settings
from streams.stack.acls import PRINCIPALS
from streams.stack.credentials import (
    ADMIN,
    REDIS_USER,
    ensure_credentials,
    env_lines,
    load_credentials,
    secure_dir,
)


def _redis_url(settings: Settings, principal: str) -> str:
    creds = load_credentials(settings)
    assert creds is not None
    line = next(x for x in env_lines(settings, creds, principal).splitlines()
                if x.startswith("LEADSTREAM_REDIS_URL="))
    return line.split("=", 1)[1]


def test_every_principal_has_its_own_redis_user_and_password(tmp_path: Path):
    s = Settings(_env_file=None, home=tmp_path)
    creds = ensure_credentials(s)
    urls = {p: _redis_url(s, p) for p in PRINCIPALS}
    assert {p: u.split("://", 1)[1].split(":", 1)[0] for p, u in urls.items()} == \
        {p: p for p in PRINCIPALS}
    assert len({creds.redis_users[p] for p in PRINCIPALS}) == len(PRINCIPALS)
    assert all(creds.redis_users[p] in urls[p] and creds.redis not in urls[p] for p in PRINCIPALS)
    assert _redis_url(s, ADMIN).startswith(f"redis://{REDIS_USER}:{creds.redis}@")
    assert ensure_credentials(s) == creds  # drawn once


def test_an_older_stack_keeps_its_kafka_passwords_and_gets_redis_users(tmp_path: Path):
    s = Settings(_env_file=None, home=tmp_path)
    old = {"kafka": {p: f"k-{p}" for p in (ADMIN, *PRINCIPALS)}, "redis": "shared-redis-pw"}
    secure_dir(s).mkdir(parents=True)
    (secure_dir(s) / "credentials.json").write_text(json.dumps(old))
    creds = ensure_credentials(s)
    assert creds.kafka == old["kafka"] and creds.redis == "shared-redis-pw"
    assert set(creds.redis_users) == set(PRINCIPALS)
    assert "shared-redis-pw" not in creds.redis_users.values()
    assert load_credentials(s) == creds
