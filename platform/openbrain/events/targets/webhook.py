"""The ``webhook`` target: POST the event envelope, signed per the Standard Webhooks spec.

2xx is delivered; 408, 429, 5xx, timeouts and network errors are retried; any other status
(4xx, and 3xx: redirects are not followed) is permanent. In AWS mode the URL must be public
``https``; the connection resolves the host once, checks every address and connects to a
checked one (SSRF, DNS rebinding), with TLS still verified for the host name.
"""

from __future__ import annotations

import ssl
import threading
import time
from typing import TYPE_CHECKING

from openbrain.domain.event import Event
from openbrain.domain.tenant import Route
from openbrain.events.delivery import TargetResult
from openbrain.events.envelope import envelope_json
from openbrain.events.signing import signed_headers
from openbrain.events.ssrf import (
    AddressPolicy,
    Resolver,
    UnsafeTargetError,
    check_target_url,
    is_public_address,
    resolve_host,
)

if TYPE_CHECKING:
    import httpx

RETRYABLE_STATUSES = frozenset({408, 429})
USER_AGENT = "OpenBrain-Webhooks/1"


class WebhookTarget:
    def __init__(
        self,
        *,
        aws_mode: bool,
        timeout: float = 10.0,
        resolve: Resolver = resolve_host,
        allow: AddressPolicy = is_public_address,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self._aws_mode = aws_mode
        self._resolve = resolve
        self._allow = allow
        self._timeout = timeout
        self._verify = verify
        # Built by the first delivery: httpx (and its TLS context) is not imported nor built
        # at start by processes that never deliver a webhook.
        self._client_once = threading.Lock()
        self._built: httpx.Client | None = None

    @property
    def _client(self) -> httpx.Client:
        """One pooled client for every delivery (thread-safe); no redirects, no env proxies."""
        if self._built is not None:
            return self._built
        with self._client_once:
            if self._built is None:
                import httpx

                from openbrain.events.pinned import PinnedTransport

                # In AWS mode every connection goes to an address the transport checked.
                pinned = (PinnedTransport(resolve=self._resolve, allow=self._allow,
                                          verify=self._verify) if self._aws_mode else None)
                self._built = httpx.Client(
                    timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 5.0)),
                    follow_redirects=False,
                    trust_env=False,
                    verify=self._verify,
                    transport=pinned,
                    headers={"user-agent": USER_AGENT},
                )
            return self._built

    def deliver(
        self, event: Event, route: Route, secret: str | None, *, timeout: float | None = None
    ) -> TargetResult:
        if not route.url or not secret:
            return TargetResult(ok=False, error="webhook route without url or secret")
        try:
            check_target_url(route.url, aws_mode=self._aws_mode, resolve=None, allow=self._allow)
        except UnsafeTargetError as exc:
            return TargetResult(ok=False, error=exc.detail)
        body = envelope_json(event)
        headers = signed_headers(secret, event.event_id, int(time.time()), body)
        headers["content-type"] = "application/json"
        client = self._client
        import httpx

        try:
            response = client.post(
                route.url, content=body, headers=headers, timeout=self._limit(timeout)
            )
        except UnsafeTargetError as exc:  # raised by the pinned transport as it connects
            return TargetResult(ok=False, error=exc.detail)
        except httpx.TimeoutException:
            return TargetResult(ok=False, retryable=True, error="timeout")
        except httpx.HTTPError as exc:
            # The class name only: messages may echo the URL, which can carry a token.
            return TargetResult(ok=False, retryable=True, error=type(exc).__name__)
        status = response.status_code
        if 200 <= status < 300:
            return TargetResult(ok=True, http_status=status)
        retryable = status >= 500 or status in RETRYABLE_STATUSES
        return TargetResult(ok=False, retryable=retryable, http_status=status,
                            error=f"HTTP {status}")

    def _limit(self, timeout: float | None) -> httpx.Timeout:
        """The client's timeout, shortened to ``timeout`` (the caller's time left)."""
        import httpx

        total = self._timeout if timeout is None else max(0.1, min(timeout, self._timeout))
        return httpx.Timeout(total, connect=min(total, 5.0))
