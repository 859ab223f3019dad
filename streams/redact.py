"""One place that hides secrets from everything leadstream prints, logs or raises.

- :func:`redact_url`: the password of a URL's user info (``redis://u:pw@h`` ->
  ``redis://u:***@h``; an MLflow ``https://user:token@host`` likewise) and the values of
  its query (a CRM's ``?api_key=K`` -> ``?api_key=***``);
- :func:`secret_key`: a client-config key that names a secret (``password``, ``secret``,
  ``token`` or ``key`` in it, e.g. ``ssl.key.password``, ``sasl.oauthbearer.client.secret``);
- :func:`redact_text`: any URL password and every known secret value in free text;
- :func:`secret_values`: the secret values a :class:`Settings` holds (SASL password, URL
  passwords, secret ``kafka_extra`` values), for :class:`RedactingFilter` and the CLI;
- :func:`install_log_redaction`: the same on every log record of the process (message,
  arguments and traceback), through the log record factory.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

MASK = "***"
SECRET_WORDS = ("password", "secret", "token", "key")
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


def secret_key(key: str) -> bool:
    """True if a config key (librdkafka, Settings field) names a secret."""
    low = key.lower()
    return any(word in low for word in SECRET_WORDS)


def redact_config(conf: dict[str, object]) -> dict[str, object]:
    """A client config with every secret-named value masked and URL passwords hidden."""
    return {k: MASK if secret_key(k) and v else redact_url(v) if isinstance(v, str) else v
            for k, v in conf.items()}


def url_password(url: str) -> str | None:
    """The password in a URL's user info, if it has one."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def secret_values(settings: object) -> set[str]:
    """Every secret value in a settings object: SecretStr fields, secret-named fields,
    URL passwords of string fields and secret-named keys of dict fields."""
    found: set[str] = set()
    for name in type(settings).model_fields:  # type: ignore[attr-defined]
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            found.add(value.get_secret_value())
        elif isinstance(value, str):
            if secret_key(name):
                found.add(value)
            found.add(url_password(value) or "")
        elif isinstance(value, dict):
            found.update(str(v) for k, v in value.items() if secret_key(str(k)))
    return {s for s in found if s}


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with URL passwords and each of ``secrets`` replaced by ``***``."""
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
