"""Where the CLI's chat turns run: in-process (embedded store) or against a remote API."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import httpx
import msgspec

from openbrain.domain import ChatMessage, ChatReply, Lead, OpenBrainError
from openbrain.domain.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    RateLimitedError,
    UnauthorizedError,
    UpstreamError,
    UpstreamTimeoutError,
)
from openbrain.runtime import Runtime

TokenSink = Callable[[str], None]


class ChatBackend(Protocol):
    def chat(self, request: ChatMessage, on_token: TokenSink | None = None) -> ChatReply: ...

    def lead(self, lead_id: str) -> Lead: ...

    def close(self) -> None: ...


class LocalBackend:
    """Runs turns in this process, for one tenant of the embedded store; owns ``runtime``."""

    def __init__(self, runtime: Runtime, client_id: str) -> None:
        known = [tenant.client_id for tenant in runtime.tenants]
        if client_id not in known:
            listed = ", ".join(known) or "none"
            raise NotFoundError(f"tenant {client_id!r} is not in tenants/ (known: {listed})")
        self._runtime = runtime
        self._store = runtime.store(client_id)

    def chat(self, request: ChatMessage, on_token: TokenSink | None = None) -> ChatReply:
        return self._runtime.executor.chat(self._store, request, on_token=on_token)

    def lead(self, lead_id: str) -> Lead:
        return self._store.leads.require(lead_id)

    def close(self) -> None:
        self._runtime.close()


_STATUS_ERRORS: dict[int, type[OpenBrainError]] = {
    400: InvalidError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    413: InvalidError,
    422: InvalidError,
    502: UpstreamError,
    504: UpstreamTimeoutError,
}


def problem_to_error(status: int, body: dict[str, Any], headers: httpx.Headers) -> OpenBrainError:
    """Turn an RFC 9457 problem detail back into the domain error it stands for."""
    detail = str(body.get("detail") or body.get("title") or f"HTTP {status}")
    if status == 429:
        return RateLimitedError(detail, int(headers.get("retry-after", "1")))
    return _STATUS_ERRORS.get(status, UpstreamError)(detail)


class RemoteBackend:
    """Talks to an OpenBrain API with an API key (``--api-url`` / ``OB_API_URL``)."""

    def __init__(self, api_url: str, api_key: str, *, timeout: float = 120.0) -> None:
        if not api_key:
            raise UnauthorizedError("remote mode needs an API key (--api-key or OB_API_KEY)")
        self._http = httpx.Client(
            base_url=api_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
        )

    def chat(self, request: ChatMessage, on_token: TokenSink | None = None) -> ChatReply:
        if on_token is None or request.session_id is None or request.reset:
            payload = msgspec.to_builtins(request)
            return msgspec.convert(self._json("POST", "/v1/chat", payload), ChatReply)
        return self._stream(request, on_token)

    def _stream(self, request: ChatMessage, on_token: TokenSink) -> ChatReply:
        body = {"message": request.message, "context": request.context}
        path = f"/v1/sessions/{request.session_id}/messages"
        headers = {"Accept": "text/event-stream"}
        try:
            with self._http.stream("POST", path, json=body, headers=headers) as response:
                if response.status_code >= 400:
                    response.read()
                    raise problem_to_error(response.status_code, _body(response), response.headers)
                for event, data in _sse(response.iter_lines()):
                    if event == "token":
                        on_token(json.loads(data)["text"])
                    elif event == "done":
                        return msgspec.json.decode(data, type=ChatReply)
                    elif event == "error":
                        problem = json.loads(data)
                        raise problem_to_error(int(problem.get("status", 502)), problem,
                                               response.headers)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"cannot reach the API: {exc}") from exc
        raise UpstreamError("the API closed the stream before the answer was complete")

    def lead(self, lead_id: str) -> Lead:
        return msgspec.convert(self._json("GET", f"/v1/leads/{lead_id}"), Lead)

    def _json(self, method: str, path: str, payload: Any = None) -> Any:
        try:
            response = self._http.request(method, path, json=payload)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"cannot reach the API: {exc}") from exc
        if response.status_code >= 400:
            raise problem_to_error(response.status_code, _body(response), response.headers)
        return response.json()

    def close(self) -> None:
        self._http.close()


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"detail": response.text[:200] or f"HTTP {response.status_code}"}
    return body if isinstance(body, dict) else {"detail": str(body)}


def _sse(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """Parse a server-sent-event stream into ``(event, data)`` pairs."""
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", list[str]()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
    if data:
        yield event, "\n".join(data)
