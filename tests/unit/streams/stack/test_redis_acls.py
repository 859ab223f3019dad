"""The Redis ACL table: every key of streams/stores/ belongs to some principal, each
principal's patterns cover what its process writes and nothing of another's structures,
and users.acl holds no password in clear."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path

from schemas.scored import Variant
from streams.stack.acls import PRINCIPALS
from streams.stack.redis_acls import acl_file, load_users
from streams.stores import dedup, delivered, history, lead_state, ledger, signatures, status
from streams.stores.ledger import assigned_key

STORES = Path(__file__).resolve().parents[4] / "streams" / "stores"
USERS = load_users()


def store_keys() -> set[str]:
    """A sample key of every key literal in streams/stores/ (``{...}`` and a trailing
    prefix filled with ``x``), read from the source, not from the table under test."""
    found = set()
    for path in STORES.glob("*.py"):
        for literal in re.findall(r"[\"'](leadstream:[^\"'\s]*)[\"']", path.read_text()):
            key = re.sub(r"\{[^}]*\}", "x", literal)
            found.add(key + "x" if key.endswith((":", "-")) else key)
    # built from a literal prefix plus a suffix (streams/stores/experiments.py)
    return found | {f"leadstream:exp:x:{s}" for s in ("leads", "tally:control", "report")}


def may(principal: str, key: str, write: bool = True) -> bool:
    user = USERS[principal]
    patterns = user.keys if write else (*user.keys, *user.read)
    return any(fnmatchcase(key, p) for p in patterns)


def test_every_principal_has_a_user_and_every_store_key_an_owner():
    assert set(USERS) == set(PRINCIPALS)
    keys = store_keys()
    assert len(keys) >= 15  # ledger, exp, dedup, history, labels, parked, sink, state, signed
    assert [k for k in sorted(keys) if not any(may(p, k) for p in USERS)] == []


def test_the_scorer_writes_its_own_structures_only():
    own = {ledger.LEDGER_PREFIX + "L", assigned_key("exp", Variant.CONTROL),
           ledger.EXPERIMENTS_INDEX, dedup.KEY_PREFIX + "ev", dedup.lead_index_key("L"),
           history.PREFIX + "L", ledger.LAYOUT_PREFIX + "0123abcd", lead_state.key("L")}
    assert [k for k in own if not may("scorer", k)] == []
    others = {k for k in store_keys() if not any(fnmatchcase(k, p) for p in
                                                  ("leadstream:ledger:*",
                                                   "leadstream:lead:*",
                                                   "leadstream:ledger-layout:*",
                                                   "leadstream:dedup*",
                                                   "leadstream:history:*",
                                                   "leadstream:exp:*:assigned:*",
                                                   "leadstream:exp:index"))}
    assert delivered.PREFIX + "x" in others and "leadstream:exp:x:leads" in others
    assert [k for k in sorted(others) if may("scorer", k, write=False)] == []


ERASED = ("leadstream:erased:", "leadstream:erased-key")
"""Which leads were erased: the sink reads it to skip their records still in Kafka."""


def test_the_sink_writes_its_watermarks_and_reads_nothing_else():
    assert may("sink", delivered.PREFIX + "L")
    assert all(may("sink", k + "x" if k.endswith(":") else k, write=False) for k in ERASED)
    assert not any(may("sink", k + "x" if k.endswith(":") else k) for k in ERASED)
    assert [k for k in sorted(store_keys()) if not k.startswith((delivered.PREFIX, *ERASED))
            and may("sink", k, write=False)] == []


def test_readers_read_everything_and_write_nothing():
    for principal in ("operator", "dashboard"):
        assert all(may(principal, k, write=False) for k in store_keys())
        assert not any(may(principal, k) for k in store_keys())
        assert "@write" not in USERS[principal].commands.replace("-@write", "")
        assert "@scripting" not in USERS[principal].commands


def test_crm_has_no_key_and_the_agents_every_one():
    assert not any(may("crm", k, write=False) for k in store_keys())
    assert all(may("agents", k) for k in store_keys())
    assert may("agents", signatures.KEY.format(replay_id="x"))
    assert may("agents", status.SERVING.format(model="m"))


def test_the_acl_file_has_no_password_in_clear_and_the_default_user_off():
    passwords = {p: f"pw-{p}-0123456789abcdef" for p in PRINCIPALS}
    text = acl_file(passwords, "leadstream", "admin-pw-0123456789")
    lines = text.splitlines()
    assert lines[0].startswith("user default off")
    assert [line.split()[1] for line in lines[1:]] == ["leadstream", *USERS]
    assert not [p for p in [*passwords.values(), "admin-pw-0123456789"] if p in text]
    assert all(" -@dangerous" in line for line in lines[2:] if "+@read" in line)
    agents = next(line for line in lines if line.startswith("user agents "))
    assert "+config|get" in agents and "+config " not in agents and "+@all" not in agents
