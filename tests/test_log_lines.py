"""JSON log lines: structlog events rendered once, straight to the stream (no ``LogRecord``, no
formatter), with the fields and redaction they always had; stdlib records on the same stream."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from openbrain.logs import REDACTED, configure_logging


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    structlog.contextvars.clear_contextvars()
    configure_logging("INFO", json=True)


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


class Person:
    def __repr__(self) -> str:
        return "Person(email='jane@example.com')"


def test_a_structlog_event_makes_no_log_record(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    make = logging.Logger.makeRecord

    def counting(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
        made.append(self.name)
        return make(self, *args, **kwargs)

    monkeypatch.setattr(logging.Logger, "makeRecord", counting)
    out = io.StringIO()
    configure_logging("INFO", json=True, stream=out)
    structlog.get_logger("openbrain.test").info("turn.committed", tokens=3)
    assert made == []
    [line] = lines(out.getvalue())
    assert line["event"] == "turn.committed"


def test_fields_redaction_and_levels_are_those_of_the_stdlib_pipeline() -> None:
    out = io.StringIO()
    configure_logging("INFO", json=True, stream=out)
    structlog.contextvars.bind_contextvars(request_id="req-1")
    log = structlog.get_logger("openbrain.test")
    log.debug("hidden")
    log.info("turn.committed", email="jane@example.com", note="key ob_sk_acme_k1_s3cr3t",
             nested={"token": "abc", "ok": [1, "bearer xyz"]}, tokens=3, ratio=0.5, flag=None)
    try:
        raise ValueError("jane@example.com broke it")
    except ValueError:
        log.exception("turn.failed")
    logging.getLogger("uvicorn.error").warning("stdlib says %s", "jane@example.com")
    logging.getLogger("uvicorn.error").debug("hidden too")
    first, failed, foreign = lines(out.getvalue())
    assert first == {
        "email": REDACTED, "note": f"key {REDACTED}",
        "nested": {"token": REDACTED, "ok": [1, REDACTED]}, "tokens": 3, "ratio": 0.5,
        "flag": None, "event": "turn.committed", "request_id": "req-1", "level": "info",
        "logger": "openbrain.test", "timestamp": first["timestamp"],
    }
    assert first["timestamp"].endswith("Z")
    assert failed["level"] == "error"
    assert "ValueError" in failed["exception"]
    assert "jane@" not in failed["exception"]
    assert foreign["event"] == f"stdlib says {REDACTED}"
    assert (foreign["level"], foreign["logger"], foreign["request_id"]) == (
        "warning", "uvicorn.error", "req-1")


def test_an_object_is_written_as_its_scrubbed_repr() -> None:
    """json.dumps wrote an object's repr after redaction had run, unscrubbed."""
    out = io.StringIO()
    configure_logging("INFO", json=True, stream=out)
    structlog.get_logger("openbrain.test").info("lead.seen", who=Person())
    [line] = lines(out.getvalue())
    assert line["who"] == f"Person(email='{REDACTED}')"


def test_lines_go_to_the_binary_buffer_after_text_already_written() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", write_through=False)
    configure_logging("INFO", json=True, stream=stream)
    stream.write("before\n")  # still in the text layer's buffer
    structlog.get_logger("openbrain.test").info("after")
    logging.getLogger("uvicorn.error").warning("foreign")
    stream.flush()
    written = raw.getvalue().decode().splitlines()
    assert written[0] == "before"
    assert [json.loads(line)["event"] for line in written[1:]] == ["after", "foreign"]


def test_a_logger_level_set_in_the_stdlib_applies_to_structlog_events() -> None:
    out = io.StringIO()
    configure_logging("INFO", json=True, stream=out)
    logging.getLogger("openbrain.noisy").setLevel(logging.ERROR)
    try:
        structlog.get_logger("openbrain.noisy").info("dropped")
        structlog.get_logger("openbrain.noisy").error("kept")
    finally:
        logging.getLogger("openbrain.noisy").setLevel(logging.NOTSET)
    assert [line["event"] for line in lines(out.getvalue())] == ["kept"]
