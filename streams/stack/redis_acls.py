"""The Redis ACL users of the secured stack, from the one table ``redis_acls.toml``.

One user per Kafka principal, with the same name and its own password
(:mod:`streams.stack.credentials`), limited to the key patterns and commands its process
needs; the stack's own user :data:`~streams.stack.credentials.REDIS_USER` may do
everything (``stack status``, tests, the ``admin`` env file). :func:`acl_file` is the text
of Redis' ``users.acl`` (passwords as SHA-256, never in clear, default user off).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).with_name("redis_acls.toml")


@dataclass(frozen=True)
class RedisUser:
    name: str
    keys: tuple[str, ...] = ()
    """Key patterns read and written."""
    read: tuple[str, ...] = ()
    """Key patterns only read."""
    commands: str = ""

    def rules(self) -> str:
        """The ACL rules of this user, without its password."""
        keys = [f"~{p}" for p in self.keys] + [f"%R~{p}" for p in self.read]
        return " ".join(["resetkeys", *keys, "resetchannels", "-@all", *self.commands.split()])


def load_users(path: Path = TABLE) -> dict[str, RedisUser]:
    table = tomllib.loads(path.read_text())
    return {name: RedisUser(name, tuple(rules.get("keys", ())), tuple(rules.get("read", ())),
                            rules.get("commands", ""))
            for name, rules in table.items()}


def _sha(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


def acl_file(passwords: dict[str, str], admin: str, admin_password: str,
             users: dict[str, RedisUser] | None = None) -> str:
    """``users.acl``: the default user off, ``admin`` with every right, and one line per
    principal of the table that has a password (``passwords``: principal -> password)."""
    users = load_users() if users is None else users
    lines = ["user default off resetkeys -@all",
             f"user {admin} on #{_sha(admin_password)} ~* &* +@all"]
    lines += [f"user {u.name} on #{_sha(passwords[u.name])} {u.rules()}"
              for u in users.values() if u.name in passwords]
    return "\n".join(lines) + "\n"
