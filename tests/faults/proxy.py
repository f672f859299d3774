"""A fault-injecting HTTP proxy on 127.0.0.1 in front of moto's server.

boto3 clients point their ``endpoint_url`` at the proxy. Each call is identified by service
(from the SigV4 credential scope) and operation (``X-Amz-Target`` for the JSON protocols,
``Action`` for the query protocol); a configured share of the calls matching a :class:`Rule`
is answered as AWS answers under that fault, the rest are forwarded unchanged. Faulted calls
are never applied, except the partial ones (``unprocessed``, ``partial``), which forward the
accepted part. Which calls fault is decided by a seeded generator: a run is reproducible.

Requests to moto are serialised (moto's transactions are not atomic under concurrency).
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

Fault = Literal["throttle", "internal", "in-progress", "unprocessed", "partial"]

_DYNAMO = "com.amazonaws.dynamodb.v20120810#"
_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")


@dataclass(frozen=True)
class Rule:
    """Fault ``rate`` (0..1) of the calls to ``service`` (``dynamodb``, ``events``, ``sqs``),
    of ``operation`` only when given (``TransactWriteItems``, ``PutEvents``...)."""

    service: str
    fault: Fault = "throttle"
    rate: float = 1.0
    operation: str | None = None

    def matches(self, service: str, operation: str) -> bool:
        return self.service == service and self.operation in (None, operation)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class FaultProxy:
    """Start with :meth:`start`; set the scenario with :meth:`inject` (replaces the rules) and
    :meth:`clear`. ``calls`` counts every call by ``(service, operation)``, ``faults`` the
    faulted ones by ``(service, operation, fault)``."""

    def __init__(self, upstream: str, *, seed: int = 0) -> None:
        parts = urlsplit(upstream)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._forward_lock = threading.Lock()
        self._rules: tuple[Rule, ...] = ()
        self.calls: Counter[tuple[str, str]] = Counter()
        self.faults: Counter[tuple[str, str, str]] = Counter()
        self.url = ""
        self._server: _Server | None = None

    def start(self) -> FaultProxy:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.proxy = self
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def inject(self, *rules: Rule, seed: int | None = None) -> None:
        with self._lock:
            self._rules = rules
            if seed is not None:
                self._random.seed(seed)

    def clear(self) -> None:
        self.inject()

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()
            self.faults.clear()

    def faulted(self, service: str, operation: str | None = None) -> int:
        return sum(n for (s, o, _), n in self.faults.items()
                   if s == service and operation in (None, o))

    # -- per request ------------------------------------------------------------------------

    def choose(self, service: str, operation: str) -> Fault | None:
        with self._lock:
            self.calls[service, operation] += 1
            for rule in self._rules:
                if rule.matches(service, operation) and self._random.random() < rule.rate:
                    self.faults[service, operation, rule.fault] += 1
                    return rule.fault
        return None

    def indices(self, count: int) -> list[int]:
        """Which entries of a partial fault fail: at least one, never all of several."""
        with self._lock:
            if count <= 1:
                return list(range(count))
            k = self._random.randint(1, count - 1)
            return sorted(self._random.sample(range(count), k))

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        with self._forward_lock:
            conn = http.client.HTTPConnection(*self._upstream, timeout=30)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                kept = tuple((k, v) for k, v in response.getheaders()
                             if k.lower() not in ("content-length", "connection",
                                                  "transfer-encoding", "date", "server"))
                return Reply(response.status, data, kept)
            finally:
                conn.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    proxy: FaultProxy


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body leave in one write (no Nagle/delayed-ACK stall)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        proxy = self.server.proxy
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        service, operation = _identify(headers, body)
        fault = proxy.choose(service, operation)
        def forward(data: bytes) -> Reply:
            sent = {**headers, "Content-Length": str(len(data))}
            return proxy.forward(self.command, self.path, sent, data)

        if fault is None:
            reply = forward(body)
        else:
            reply = _fault_reply(proxy, service, operation, fault, body, forward)
        self.send_response(reply.status)
        for key, value in reply.headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


def _identify(headers: dict[str, str], body: bytes) -> tuple[str, str]:
    lowered = {k.lower(): v for k, v in headers.items()}
    found = _SCOPE.search(lowered.get("authorization", ""))
    service = found.group(1) if found else "unknown"
    target = lowered.get("x-amz-target")
    if target:
        return service, target.rsplit(".", 1)[-1]
    action = parse_qs(body.decode(errors="replace")).get("Action", [""])[0]
    return service, action


def _json(status: int, payload: dict[str, Any], content_type: str,
          *extra: tuple[str, str]) -> Reply:
    headers = (("Content-Type", content_type), ("x-amzn-RequestId", uuid.uuid4().hex), *extra)
    return Reply(status, json.dumps(payload).encode(), headers)


def _fault_reply(proxy: FaultProxy, service: str, operation: str, fault: Fault, body: bytes,
                 forward: Callable[[bytes], Reply]) -> Reply:
    if service == "dynamodb":
        return _dynamodb(proxy, operation, fault, body, forward)
    if service == "events":
        return _events(proxy, fault, body, forward)
    if service == "sqs":
        return _sqs(fault)
    raise ValueError(f"no faults are modelled for {service}")


def _dynamodb(proxy: FaultProxy, operation: str, fault: Fault, body: bytes,
              forward: Callable[[bytes], Reply]) -> Reply:
    kind = "application/x-amz-json-1.0"
    if fault == "internal":
        return _json(500, {"__type": _DYNAMO + "InternalServerError",
                           "message": "Internal server error"}, kind)
    if fault == "in-progress":
        return _json(400, {"__type": _DYNAMO + "TransactionInProgressException",
                           "message": "Transaction is ongoing for the idempotency token"}, kind)
    if fault == "unprocessed" and operation == "BatchWriteItem":
        request = json.loads(body)
        [(table, writes)] = request["RequestItems"].items()
        failing = set(proxy.indices(len(writes)))
        sent = [w for i, w in enumerate(writes) if i not in failing]
        left = [w for i, w in enumerate(writes) if i in failing]
        if sent:
            reply = forward(json.dumps({**request, "RequestItems": {table: sent}}).encode())
            if reply.status != 200:
                return reply
        return _json(200, {"UnprocessedItems": {table: left}}, kind)
    if operation == "TransactWriteItems":
        count = len(json.loads(body)["TransactItems"])
        throttled = proxy.indices(count) if count > 1 else [0]
        reasons = [{"Code": "ThrottlingError",
                    "Message": "Throughput exceeds the current capacity of your table or index."}
                   if i in throttled else {"Code": "None"} for i in range(count)]
        listed = ", ".join(r["Code"] for r in reasons)
        return _json(400, {
            "__type": _DYNAMO + "TransactionCanceledException",
            "Message": f"Transaction cancelled, please refer cancellation reasons for specific "
                       f"reasons [{listed}]",
            "CancellationReasons": reasons,
        }, kind)
    return _json(400, {
        "__type": _DYNAMO + "ProvisionedThroughputExceededException",
        "message": "The level of configured provisioned throughput for the table was exceeded.",
    }, kind)


def _events(proxy: FaultProxy, fault: Fault, body: bytes,
            forward: Callable[[bytes], Reply]) -> Reply:
    kind = "application/x-amz-json-1.1"
    if fault == "internal":
        return _json(500, {"__type": "InternalException", "message": "Internal error"}, kind)
    if fault != "partial":
        return _json(400, {"__type": "ThrottlingException", "message": "Rate exceeded"}, kind)
    request = json.loads(body)
    entries = request["Entries"]
    failing = set(proxy.indices(len(entries)))
    sent = [e for i, e in enumerate(entries) if i not in failing]
    accepted: list[dict[str, Any]] = []
    if sent:
        reply = forward(json.dumps({**request, "Entries": sent}).encode())
        if reply.status != 200:
            return reply
        accepted = list(json.loads(reply.body)["Entries"])
    results = [
        {"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"}
        if i in failing else accepted.pop(0)
        for i in range(len(entries))
    ]
    return _json(200, {"FailedEntryCount": len(failing), "Entries": results}, kind)


def _sqs(fault: Fault) -> Reply:
    kind = "application/x-amz-json-1.0"
    if fault == "internal":
        return _json(500, {"__type": "com.amazonaws.sqs#InternalError",
                           "message": "We encountered an internal error. Please try again."},
                     kind, ("x-amzn-query-error", "InternalError;Receiver"))
    return _json(400, {"__type": "com.amazonaws.sqs#RequestThrottled",
                       "message": "Request is throttled."},
                 kind, ("x-amzn-query-error", "RequestThrottled;Sender"))
