"""The dashboard's only way to the data: the HTTP API, called with the admin's own credential.

Every failure becomes an :class:`ApiError` carrying the RFC 9457 problem detail, so pages can
show the API's own message (and the field it names) instead of a generic error.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

Json = Any


@dataclass
class ApiError(Exception):
    """A failed API call: the problem detail's status, title, message and per-field messages."""

    status: int
    title: str
    detail: str
    field_errors: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        """One line for the page: the detail when the API gave one, else the title."""
        return self.detail or self.title or f"HTTP {self.status}"

    @property
    def unauthorized(self) -> bool:
        return self.status == 401

    @property
    def not_found(self) -> bool:
        return self.status == 404


def problem_from_response(status: int, body: bytes) -> ApiError:
    """Parse a problem-detail body (or anything else) into an :class:`ApiError`."""
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    title = str(data.get("title") or _default_title(status))
    detail = str(data.get("detail") or "")
    fields = _field_errors(data)
    if not fields and (named := _DETAIL_FIELD.search(detail)):
        # msgspec's messages end "... - at `$.maxTokens`": the field is in the text.
        fields[named.group(1)] = detail
    return ApiError(status, title, detail, fields)


_DETAIL_FIELD = re.compile(r"at `\$\.([A-Za-z_][A-Za-z0-9_]*)")


def _default_title(status: int) -> str:
    if status == 0:
        return "The API is unreachable"
    try:
        from http import HTTPStatus

        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _field_errors(data: dict[str, Any]) -> dict[str, str]:
    """Field messages from the usual problem-detail extensions (``errors``, ``invalid_params``,
    Litestar's ``extra``), keyed by the camelCase field name the API used."""
    found: dict[str, str] = {}
    for key in ("errors", "invalidParams", "invalid_params", "invalid-params", "extra"):
        items = data.get(key)
        if isinstance(items, dict):
            items = [{"field": k, "message": v} for k, v in items.items()]
        if not isinstance(items, list):
            continue
        for item in items:
            if not isinstance(item, dict):
                continue
            name = item.get("field") or item.get("name") or item.get("key") or item.get("pointer")
            message = item.get("message") or item.get("reason") or item.get("detail")
            if name and message:
                found[_field_name(str(name))] = str(message)
    return found


def _field_name(raw: str) -> str:
    # "$.maxTokens", "/maxTokens", "body.maxTokens" all name the field maxTokens.
    for sep in ("$.", "/", "."):
        if sep in raw:
            raw = raw.rsplit(sep, 1)[-1]
    return raw.strip("`'\"[]$")


def _q(value: str) -> str:
    return quote(value, safe="")


class ApiClient:
    """A thin async client over the route contract in ``docs/api-routes.md``."""

    def __init__(self, base_url: str, token: str = "", *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        # No token: only the public routes (the sign-in code exchange) can be called.
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Json = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout) as http:
                response = await http.request(
                    method,
                    path,
                    json=json_body,
                    params=clean,
                    headers=self._headers | (headers or {}),
                )
        except httpx.HTTPError as exc:
            raise ApiError(0, "The API is unreachable", f"{self.base_url}: {exc}") from exc
        if response.status_code >= 400:
            raise problem_from_response(response.status_code, response.content)
        return response

    async def get_json(self, path: str, **params: Any) -> Json:
        return (await self.request("GET", path, params=params)).json()

    async def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """A list route's items (``{"items": [...]}``; a bare list is accepted too)."""
        data = await self.get_json(path, **params)
        if isinstance(data, dict):
            return list(data.get("items") or [])
        return list(data or [])

    # --- identity and registry ---------------------------------------------------------
    async def exchange_code(self, code: str) -> dict[str, Any]:
        """Redeem a one-time sign-in code: ``{token, expiresAt, clientId, role}``."""
        response = await self.request("POST", "/v1/auth/exchange", json_body={"code": code})
        return dict(response.json())

    async def me(self) -> dict[str, Any]:
        return dict(await self.get_json("/v1/me"))

    async def tools(self) -> list[dict[str, Any]]:
        return await self.items("/v1/tools")

    # --- profiles ----------------------------------------------------------------------
    async def configs(self) -> list[dict[str, Any]]:
        return await self.items("/v1/configs", limit=200)

    async def config(self, name: str) -> dict[str, Any]:
        return dict(await self.get_json(f"/v1/configs/{_q(name)}"))

    async def save_config(
        self, name: str, settings: dict[str, Any], if_match: int | None = None
    ) -> dict[str, Any]:
        headers = {"If-Match": str(if_match)} if if_match else None
        response = await self.request(
            "PUT", f"/v1/configs/{_q(name)}", json_body=settings, headers=headers
        )
        return dict(response.json())

    async def versions(self, name: str) -> list[dict[str, Any]]:
        return await self.items(f"/v1/configs/{_q(name)}/versions", limit=200)

    async def restore(self, name: str, version: int) -> dict[str, Any]:
        response = await self.request(
            "POST", f"/v1/configs/{_q(name)}/versions/{version}/restore"
        )
        return dict(response.json())

    # --- chat --------------------------------------------------------------------------
    async def start_session(self, profile: str) -> dict[str, Any]:
        response = await self.request("POST", "/v1/sessions", json_body={"profile": profile})
        return dict(response.json())

    async def stream_message(self, session_id: str, message: str) -> AsyncIterator[tuple[str, Any]]:
        """Send a message and yield SSE events: ``("token", {"text"})`` … then ``("done",
        ChatReply)``. A non-streaming (JSON) answer is yielded as one ``done``."""
        headers = self._headers | {"Accept": "text/event-stream"}
        path = f"/v1/sessions/{_q(session_id)}/messages"
        try:
            async with (
                httpx.AsyncClient(base_url=self.base_url, timeout=self._timeout) as http,
                http.stream("POST", path, json={"message": message}, headers=headers) as resp,
            ):
                if resp.status_code >= 400:
                    raise problem_from_response(resp.status_code, await resp.aread())
                if "text/event-stream" not in resp.headers.get("content-type", ""):
                    yield "done", json.loads(await resp.aread())
                    return
                parser = SseParser()
                async for chunk in resp.aiter_text():
                    for event, data in parser.feed(chunk):
                        if event == "error":
                            raise problem_from_response(
                                int(data.get("status") or 500), json.dumps(data).encode()
                            )
                        yield event, data
        except httpx.HTTPError as exc:
            raise ApiError(0, "The API is unreachable", f"{self.base_url}: {exc}") from exc

    # --- sessions ----------------------------------------------------------------------
    async def sessions(
        self, profile: str = "", since: str = "", until: str = ""
    ) -> list[dict[str, Any]]:
        return await self.items(
            "/v1/sessions", profile=profile, since=since, until=until, limit=200
        )

    async def session(self, session_id: str) -> dict[str, Any]:
        return dict(await self.get_json(f"/v1/sessions/{_q(session_id)}"))

    async def messages(self, session_id: str) -> list[dict[str, Any]]:
        return await self.items(f"/v1/sessions/{_q(session_id)}/messages", limit=200)

    async def tool_actions(self, session_id: str) -> list[dict[str, Any]]:
        return await self.items(f"/v1/sessions/{_q(session_id)}/tool-actions", limit=200)

    async def events(self, session_id: str = "") -> list[dict[str, Any]]:
        return await self.items("/v1/events", sessionId=session_id, limit=200)

    # --- leads -------------------------------------------------------------------------
    async def leads(self, q: str = "", status: str = "") -> list[dict[str, Any]]:
        return await self.items("/v1/leads", q=q, status=status, limit=200)

    async def lead(self, lead_id: str) -> dict[str, Any]:
        return dict(await self.get_json(f"/v1/leads/{_q(lead_id)}"))

    async def update_lead(self, lead_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        response = await self.request("PATCH", f"/v1/leads/{_q(lead_id)}", json_body=fields)
        return dict(response.json())

    async def erase_lead(self, lead_id: str) -> None:
        await self.request("DELETE", f"/v1/leads/{_q(lead_id)}")

    async def leads_csv(self, q: str = "", status: str = "") -> str:
        response = await self.request(
            "GET", "/v1/leads/export.csv", params={"q": q, "status": status}
        )
        return response.text

    # --- keys --------------------------------------------------------------------------
    async def keys(self) -> list[dict[str, Any]]:
        return await self.items("/v1/keys", limit=200)

    async def create_key(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict((await self.request("POST", "/v1/keys", json_body=body)).json())

    async def revoke_key(self, key_id: str) -> dict[str, Any]:
        return dict((await self.request("DELETE", f"/v1/keys/{_q(key_id)}")).json())

    # --- event routes, deliveries, dead letters ---------------------------------------
    async def routes(self) -> list[dict[str, Any]]:
        return await self.items("/v1/routes")

    async def add_route(self, url: str, event_types: list[str]) -> dict[str, Any]:
        body = {"url": url, "eventTypes": event_types}
        return dict((await self.request("POST", "/v1/routes", json_body=body)).json())

    async def rotate_route_secret(self, route_id: str) -> dict[str, Any]:
        path = f"/v1/routes/{_q(route_id)}/rotate-secret"
        return dict((await self.request("POST", path)).json())

    async def deliveries(self) -> list[dict[str, Any]]:
        return await self.items("/v1/deliveries", limit=200)

    async def dead_letters(self) -> list[dict[str, Any]]:
        return await self.items("/v1/dead-letters", limit=200)

    async def redrive(self, dead_letter_id: str) -> dict[str, Any]:
        path = f"/v1/dead-letters/{_q(dead_letter_id)}/redrive"
        return dict((await self.request("POST", path)).json())

    async def redrive_all(self) -> int:
        data = (await self.request("POST", "/v1/dead-letters/redrive")).json()
        return int(data.get("redriven", 0))

    # --- usage -------------------------------------------------------------------------
    async def usage(self, since: str = "", until: str = "") -> list[dict[str, Any]]:
        return await self.items("/v1/usage", since=since, until=until, limit=200)


class SseParser:
    """Incremental ``text/event-stream`` parser: feed text chunks, get ``(event, data)``."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, chunk: str) -> list[tuple[str, Any]]:
        self._buffer += chunk.replace("\r\n", "\n")
        out: list[tuple[str, Any]] = []
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            event, data_lines = "message", []
            for line in block.split("\n"):
                if line.startswith(":"):
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "event":
                    event = value
                elif name == "data":
                    data_lines.append(value)
            if not data_lines:
                continue
            raw = "\n".join(data_lines)
            try:
                out.append((event, json.loads(raw)))
            except ValueError:
                out.append((event, raw))
        return out
