"""What both transports share: the HTTP client's settings, building a request, reading
an answer."""

from __future__ import annotations

from typing import Any

import httpx

from openbrain.client.call import SSE, Call
from openbrain.client.problems import error_from_body
from openbrain.domain.errors import UpstreamError


def client_options(base_url: str, token: str, timeout: float) -> dict[str, Any]:
    """``httpx.Client``/``AsyncClient`` arguments. No token: only the public routes (the
    sign-in code exchange) can be called."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return {"base_url": base_url.rstrip("/"), "headers": headers, "timeout": timeout}


def request_of(http: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
    return http.build_request(call.method, call.path, params=call.query(),
                              content=call.content(), headers=call.request_headers())


def failure(response: httpx.Response) -> Exception | None:
    """The domain error of an error answer (its body already read), else ``None``."""
    if response.status_code < 400:
        return None
    return error_from_body(response.status_code, response.content,
                           response.headers.get("retry-after"))


def is_stream(response: httpx.Response) -> bool:
    return SSE in response.headers.get("content-type", "")


def unreachable(base_url: str, exc: httpx.HTTPError) -> UpstreamError:
    return UpstreamError(f"cannot reach the API at {base_url}: {exc}")
