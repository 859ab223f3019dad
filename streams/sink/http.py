"""The sink's HTTP side: send one CRM request, retry what is transient, say what is final.

- 2xx: delivered (the format reads per-record rejections from the body).
- 429: wait what ``Retry-After`` says (seconds or an HTTP date; capped), then try again.
- 5xx, 408, timeouts, refused or dropped connections: exponential backoff with jitter.
- any other 4xx: final, returned to the caller to narrow down and dead-letter.

After ``max_attempts`` transient failures :class:`CrmUnavailable` is raised: the sink keeps
the batch, commits nothing and tries it again later. The configured URL is called exactly as
given (:func:`request_url`: a format's path is joined to its path, its query kept). The
token goes in the ``Authorization`` header only; it and the URL's secrets (password, every
query value: :func:`streams.redact.url_secrets`) are never logged, and
:meth:`CrmClient.redact` takes them out of a CRM's answer before it is dead-lettered.
"""

from __future__ import annotations

import email.utils
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from schemas.errors import RetryableError
from scoring.writeback.score import CrmRequest
from streams.redact import redact_text, url_secrets

log = logging.getLogger(__name__)

TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class CrmUnavailable(RetryableError):
    """The CRM did not accept a request after every try; nothing was committed."""


class _Transient(Exception):
    def __init__(self, what: str, retry_after_s: float | None = None):
        super().__init__(what)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class CrmResponse:
    status: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def retry_after_s(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def request_url(base_url: str, path: str) -> str:
    """The URL a request goes to: ``base_url`` exactly as configured when ``path`` is empty
    (the webhook), else ``path`` joined to its path with one slash, its query kept after
    it (``https://h/api?code=K`` + ``/x`` → ``https://h/api/x?code=K``)."""
    if not path:
        return base_url
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + path.lstrip("/")))


class CrmClient:
    def __init__(self, base_url: str, token: str | None, timeout_s: float, max_attempts: int,
                 backoff_s: float, backoff_max_s: float):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._url = base_url
        self._secrets = (url_secrets(base_url, every_query_value=True)
                         | ({token} if token else set()))
        self._http = httpx.Client(headers=headers, timeout=timeout_s)
        self._attempts = max_attempts
        self._backoff = wait_exponential_jitter(initial=backoff_s, max=backoff_max_s)
        self._backoff_max_s = backoff_max_s
        self.transient_failures = 0

    def send(self, request: CrmRequest) -> CrmResponse:
        """The CRM's final answer to ``request`` (2xx or a permanent 4xx)."""
        retrying = Retrying(stop=stop_after_attempt(self._attempts), wait=self._wait,
                            retry=retry_if_exception_type(_Transient), reraise=True,
                            before_sleep=self._note)
        try:
            return retrying(self._send_once, request)
        except _Transient as exc:
            raise CrmUnavailable(f"CRM unavailable after {self._attempts} tries: {exc}") from exc

    def _send_once(self, request: CrmRequest) -> CrmResponse:
        try:
            resp = self._http.request(request.method, request_url(self._url, request.path),
                                      content=request.body,
                                      headers={"Content-Type": request.content_type})
        except httpx.TransportError as exc:  # timeouts, refused and dropped connections
            raise _Transient(type(exc).__name__) from None
        if resp.status_code in TRANSIENT_STATUS:
            raise _Transient(f"HTTP {resp.status_code}",
                             retry_after_s(resp.headers.get("Retry-After")))
        return CrmResponse(resp.status_code, resp.content)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after_s is not None:
            return min(exc.retry_after_s, self._backoff_max_s)
        return self._backoff(state)

    def _note(self, state: RetryCallState) -> None:
        self.transient_failures += 1
        exc = state.outcome.exception() if state.outcome else None
        log.info("CRM answered %s (try %d of %d): retrying", exc, state.attempt_number,
                 self._attempts)

    def redact(self, text: str) -> str:
        """``text`` without the token, the URL's password or its query values."""
        return redact_text(text, self._secrets)

    def close(self) -> None:
        self._http.close()
