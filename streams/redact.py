"""One place that hides secrets from everything leadstream prints, logs or raises.

Redaction is by **value**: the secrets a configuration holds, never a setting because its
name contains a word (``LEADSTREAM_OPERATOR_KEY_NAME`` names an operator; it is shown).

- :func:`redact_url`: a URL's credentials: the password of its user info
  (``redis://u:pw@h`` -> ``redis://u:***@h``; an MLflow ``https://user:token@host``
  likewise) and every value of its query (a CRM's ``?api_key=K`` -> ``?api_key=***``:
  a CRM may take its key under any name);
- :func:`secret_config_key`: a librdkafka property whose value is a secret (``sasl.password``,
  ``ssl.key.password``, ``ssl.key.pem``, ``sasl.oauthbearer.client.secret``, ...);
- :func:`secret_values`: the secret values a :class:`Settings` holds: every ``SecretStr``,
  URL credentials of every string setting, secret ``kafka_extra`` values and the private
  keys the configured key files hold;
- :func:`redact_text`: any URL credential and every given secret value in free text;
- :func:`install_log_redaction`: the same on every log record of the process (message,
  arguments and traceback), through the log record factory.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import SecretStr

MASK = "***"
SECRET_CONFIG_WORDS = ("password", "secret", "token", "passphrase", "key.pem",
                       "private.key", "oauthbearer.config")
"""librdkafka properties holding a secret contain one of these (``ssl.key.location`` is a
path and is shown)."""
SECRET_QUERY = re.compile(r"key|token|secret|passw|pwd|sig|auth|credential|session|code",
                          re.IGNORECASE)
"""URL query parameters whose value is a credential (``api_key``, ``access_token``, ``sig``)."""
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)[^\s@/]+@")
_URL_QUERY = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s?#]*\?)(?P<query>[^\s#]*)")
MIN_SECRET_CHARS = 4
"""Shorter 'secrets' are not replaced in free text (they would mangle ordinary words)."""


def redact_url(url: str) -> str:
    """``url`` with the password of its user info and each value of its query replaced by
    ``***`` (names and empty values kept)."""
    out = _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}@", url)
    return _URL_QUERY.sub(lambda m: m["head"] + _masked_query(m["query"]), out)


def _masked_query(query: str) -> str:
    def one(pair: str) -> str:
        name, eq, value = pair.partition("=")
        return f"{name}={MASK}" if eq and value else pair
    return "&".join(one(pair) for pair in query.split("&"))


def secret_config_key(key: str) -> bool:
    """True if a librdkafka property (a ``kafka_extra`` key) holds a secret value."""
    low = key.lower()
    return any(word in low for word in SECRET_CONFIG_WORDS)


def redact_config(conf: dict[str, object]) -> dict[str, object]:
    """A client config with every secret property masked and URL credentials hidden."""
    return {k: MASK if secret_config_key(k) and v else redact_url(v) if isinstance(v, str)
            else v for k, v in conf.items()}


def url_password(url: str) -> str | None:
    """The password in a URL's user info, if it has one."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def url_secrets(url: str | None, every_query_value: bool = False) -> set[str]:
    """The credentials a URL holds: its password and its credential query values (with
    ``every_query_value``, each query value: a CRM URL's ``?code=`` is a key whatever its
    name)."""
    if not url:
        return set()
    found = {url_password(url) or ""}
    try:
        query = urlsplit(url).query
    except ValueError:
        return {s for s in found if s}
    found.update(v for k, v in parse_qsl(query, keep_blank_values=True)
                 if every_query_value or SECRET_QUERY.search(k))
    return {s for s in found if s}


def key_file_secrets(path: Path | None) -> set[str]:
    """The secret text of a private key file (its PEM body lines), if it can be read."""
    if path is None:
        return set()
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError):
        return set()
    body = [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("-----")]
    return {*body, "".join(body)} if body else set()


PRIVATE_KEY_FIELDS = ("operator_key_path", "controller_key_path")
"""Settings that point at a private key file (its content is a secret, its path is not)."""


def secret_values(settings: object) -> set[str]:
    """Every secret value in a settings object: SecretStr fields, URL credentials of string
    fields, secret ``kafka_extra``-like dict values and the configured private keys."""
    found: set[str] = set()
    for name in type(settings).model_fields:  # type: ignore[attr-defined]
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            found.add(value.get_secret_value())
        elif isinstance(value, str):
            found |= url_secrets(value)
        elif isinstance(value, dict):
            found.update(str(v) for k, v in value.items() if secret_config_key(str(k)))
            found.update(s for v in value.values() if isinstance(v, str) for s in url_secrets(v))
        if name in PRIVATE_KEY_FIELDS:
            found |= key_file_secrets(value)
    return {s for s in found if s}


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with URL credentials and each of ``secrets`` replaced by ``***``."""
    out = redact_url(text)
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= MIN_SECRET_CHARS:
            out = out.replace(secret, MASK)
    return out


class _RedactingFactory:
    """A log record factory: each record is redacted when it is made, whichever handler
    (ours, faust's, mlflow's) later formats it."""

    def __init__(self, inner: Callable[..., logging.LogRecord]):
        self.inner = inner
        self.secrets: set[str] = set()

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        redact_record(record, self.secrets)
        return record


def redact_record(record: logging.LogRecord, secrets: Iterable[str]) -> None:
    """Rewrite ``record`` so that neither its message nor its traceback shows a secret."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    record.msg, record.args = redact_text(message, secrets), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact_text(record.exc_text, secrets)


def install_log_redaction(secrets: Iterable[str] = ()) -> None:
    """Redact every log record of this process from now on: URL passwords always, and each
    of ``secrets`` (see :func:`secret_values`). Idempotent; later calls add secrets."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _RedactingFactory):
        factory = _RedactingFactory(factory)
        logging.setLogRecordFactory(factory)
    factory.secrets |= set(secrets)
