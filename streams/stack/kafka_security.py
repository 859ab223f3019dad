"""What a secured local broker adds to its ``server.properties`` and its storage format.

- the client listener is SASL_SSL (SCRAM-SHA-512 over TLS, the stack's own CA and broker
  certificate as PEM files); inter-broker traffic uses the same listener as ``admin``;
- the controller listener, on 127.0.0.1 only, is SASL_PLAINTEXT with PLAIN and one static
  user, ``admin`` (KRaft controllers cannot check SCRAM: those credentials live in the
  metadata the controller serves). Not encrypted, but loopback-only and authenticated, so
  no anonymous principal is ever a super user;
- ``StandardAuthorizer`` with ``User:admin`` the only super user; everyone else gets what
  the ACL table (``acls.toml``) grants, nothing when no ACL matches;
- SCRAM credentials for every principal are written at storage-format time
  (``--add-scram``), so the very first start already authenticates (KIP-900).
"""

from __future__ import annotations

from streams.settings import Settings
from streams.stack.certs import StackCerts
from streams.stack.credentials import ADMIN, MECHANISM, StackCredentials

SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule"
PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule"
AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"


def secure_properties(settings: Settings, creds: StackCredentials, certs: StackCerts
                      ) -> dict[str, str]:
    """The broker properties that replace or add to the plain ones."""
    port, ctl = settings.kafka_port, settings.kafka_port + 1
    pw = creds.kafka[ADMIN]
    return {
        "listeners": f"SASL_SSL://127.0.0.1:{port},CONTROLLER://127.0.0.1:{ctl}",
        "advertised.listeners": f"SASL_SSL://127.0.0.1:{port}",
        "listener.security.protocol.map": "SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT",
        "inter.broker.listener.name": "SASL_SSL",
        "sasl.enabled.mechanisms": MECHANISM,
        "sasl.mechanism.inter.broker.protocol": MECHANISM,
        f"listener.name.sasl_ssl.{MECHANISM.lower()}.sasl.jaas.config":
            f'{SCRAM_LOGIN} required username="{ADMIN}" password="{pw}";',
        "sasl.mechanism.controller.protocol": "PLAIN",
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config":
            f'{PLAIN_LOGIN} required username="{ADMIN}" password="{pw}" user_{ADMIN}="{pw}";',
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(certs.broker),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(certs.ca),
        "ssl.client.auth": "none",
        "authorizer.class.name": AUTHORIZER,
        "super.users": f"User:{ADMIN}",
        "allow.everyone.if.no.acl.found": "false",
    }


def scram_args(creds: StackCredentials) -> list[str]:
    """StorageTool ``format`` arguments that create every principal's SCRAM credential."""
    args: list[str] = []
    for name, password in creds.kafka.items():
        args += ["--add-scram", f"{MECHANISM}=[name={name},password={password}]"]
    return args
