"""Reading a server-sent event stream over real HTTP in a background thread."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Sse:
    event: str
    id: str | None
    data: Any


class SseReader:
    """Events of one GET stream, queued as they arrive; ``close()`` drops the connection."""

    def __init__(self, client: httpx.Client, url: str, headers: dict[str, str]) -> None:
        self._queue: queue.Queue[Sse | BaseException] = queue.Queue()
        self._stop = threading.Event()
        self.status: int | None = None
        self._response: httpx.Response | None = None
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(client, url, headers),
                                        daemon=True)
        self._thread.start()
        assert self._opened.wait(10), "the stream did not open"

    def _run(self, client: httpx.Client, url: str, headers: dict[str, str]) -> None:
        try:
            with client.stream("GET", url, headers=headers, timeout=30) as response:
                self.status = response.status_code
                self._response = response
                self._opened.set()
                event, ident, data = "message", None, []
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line == "":
                        if data:
                            self._queue.put(Sse(event, ident, json.loads("\n".join(data))))
                        event, ident, data = "message", None, []
                    elif line.startswith(":"):
                        continue
                    else:
                        name, _, value = line.partition(":")
                        value = value.removeprefix(" ")
                        if name == "event":
                            event = value
                        elif name == "id":
                            ident = value
                        elif name == "data":
                            data.append(value)
        except BaseException as exc:
            if not self._stop.is_set():
                self._queue.put(exc)
        finally:
            self._opened.set()

    def next(self, timeout: float = 5.0, *, kind: str | None = None) -> Sse:
        """The next event (of ``kind``, skipping others)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            item = self._queue.get(timeout=max(left, 0.001))
            if isinstance(item, BaseException):
                raise item
            if kind is None or item.event == kind:
                return item

    def none_within(self, seconds: float, *, kind: str = "message") -> bool:
        try:
            self.next(seconds, kind=kind)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        """Drop the connection, as a network failure would."""
        self._stop.set()
        if self._response is not None:
            # Shut the socket itself: closing the response from this thread would not wake
            # the reader blocked in recv.
            stream = self._response.extensions["network_stream"]
            sock = stream.get_extra_info("socket")
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        assert not self._thread.is_alive()
