"""Passwords of the secured local stack, and the settings each principal connects with.

``stack up --secure`` draws one password per Kafka principal (the ACL table's principals
plus ``admin``, the broker's own super user), one per principal's Redis ACL user
(:mod:`streams.stack.redis_acls`) and one for the stack's own Redis user, and keeps them in
``<stack_dir>/secure/credentials.json`` (0600). They are never printed: for each
principal the stack writes ``<stack_dir>/secure/<principal>.env`` (0600), the
``LEADSTREAM_*`` variables that process needs (bootstrap, SASL_SSL, SCRAM-SHA-512, user,
password, CA file, Redis URL with the principal's own Redis user and password,
control-plane signing keys:
:mod:`streams.stack.signing_keys`). Source one before starting a process::

    set -a; . .leadstream/stack/secure/scorer.env; set +a; leadstream score
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from streams.settings import Settings
from streams.stack.acls import PRINCIPALS
from streams.stack.certs import write_private
from streams.stack.signing_keys import signing_fields

ADMIN = "admin"
"""The broker's own principal (inter-broker and controller links; the only super user)."""
REDIS_USER = "leadstream"
"""The stack's own Redis user (every right): ``stack status``, tests and ``admin.env``."""
MECHANISM = "SCRAM-SHA-512"


@dataclass(frozen=True)
class StackCredentials:
    kafka: dict[str, str]
    """principal -> SCRAM password (``admin`` included)."""
    redis: str
    """Password of the stack's own Redis user :data:`REDIS_USER`."""
    redis_users: dict[str, str] = field(default_factory=dict)
    """principal -> password of its own Redis ACL user (same name as the principal)."""


def secure_dir(settings: Settings) -> Path:
    return settings.stack_dir / "secure"


def _file(settings: Settings) -> Path:
    return secure_dir(settings) / "credentials.json"


def load_credentials(settings: Settings) -> StackCredentials | None:
    """The stack's credentials, or None when the stack is not secured."""
    try:
        raw = json.loads(_file(settings).read_text())
    except FileNotFoundError:
        return None
    return StackCredentials(raw["kafka"], raw["redis"], raw.get("redis_users", {}))


def ensure_credentials(settings: Settings) -> StackCredentials:
    """The stack's credentials, drawn on the first call (hex: safe in every config syntax);
    a principal without a Redis password yet (a stack secured before there was one Redis
    user per principal) gets one."""
    found = load_credentials(settings)
    if found is not None and set(PRINCIPALS) <= set(found.redis_users):
        return found
    creds = found or StackCredentials({p: secrets.token_hex(24) for p in (ADMIN, *PRINCIPALS)},
                                      secrets.token_hex(24))
    creds = StackCredentials(creds.kafka, creds.redis, {
        p: creds.redis_users.get(p) or secrets.token_hex(24) for p in PRINCIPALS})
    write_private(_file(settings), json.dumps({"kafka": creds.kafka, "redis": creds.redis,
                                               "redis_users": creds.redis_users},
                                              indent=2).encode())
    return creds


def ca_file(settings: Settings) -> Path:
    return secure_dir(settings) / "ca.pem"


def redis_url(settings: Settings, creds: StackCredentials, principal: str = ADMIN) -> str:
    """The Redis URL of ``principal``'s own ACL user (``admin``: the stack's own user)."""
    if principal == ADMIN or principal not in creds.redis_users:
        user, password = REDIS_USER, creds.redis
    else:
        user, password = principal, creds.redis_users[principal]
    return f"redis://{user}:{password}@127.0.0.1:{settings.redis_port}/0"


def principal_settings(settings: Settings, creds: StackCredentials, principal: str) -> Settings:
    """``settings`` connecting to the secured local stack as ``principal``."""
    return settings.model_copy(update={
        "bootstrap_servers": f"127.0.0.1:{settings.kafka_port}",
        "security_protocol": "SASL_SSL", "sasl_mechanism": MECHANISM,
        "sasl_username": principal, "sasl_password": SecretStr(creds.kafka[principal]),
        "ssl_ca_location": str(ca_file(settings)),
        "redis_url": redis_url(settings, creds, principal),
        **signing_fields(settings, principal)})


def env_lines(settings: Settings, creds: StackCredentials, principal: str) -> str:
    s = principal_settings(settings, creds, principal)
    values = {"BOOTSTRAP_SERVERS": s.bootstrap_servers, "SECURITY_PROTOCOL": s.security_protocol,
              "SASL_MECHANISM": MECHANISM, "SASL_USERNAME": principal,
              "SASL_PASSWORD": creds.kafka[principal], "SSL_CA_LOCATION": s.ssl_ca_location,
              "REDIS_URL": s.redis_url,
              **{k.upper(): v for k, v in signing_fields(settings, principal).items()}}
    return "".join(f"LEADSTREAM_{k}={v}\n" for k, v in values.items())


def write_env_files(settings: Settings, creds: StackCredentials) -> list[Path]:
    """``<principal>.env`` (0600) for every principal; returns their paths."""
    paths = []
    for principal in (ADMIN, *PRINCIPALS):
        path = secure_dir(settings) / f"{principal}.env"
        write_private(path, env_lines(settings, creds, principal).encode())
        paths.append(path)
    return paths
