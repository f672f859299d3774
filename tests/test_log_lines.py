"""JSON log lines: structlog events rendered once, straight to the stream (no ``LogRecord``, no
formatter), with the fields and redaction they always had; stdlib records on the same stream."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st

from openbrain import logs
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


def _reference_line(name: str, method: str, **fields: Any) -> dict[str, Any]:
    """The event as structlog's own processors (level, logger name, ISO UTC time) make it."""
    logger = logging.getLogger(name)
    event: Any = dict(fields)
    for step in (structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name,
                 structlog.processors.TimeStamper(fmt="iso", utc=True)):
        event = step(logger, method, event)
    return dict(event)


@pytest.mark.parametrize("method", ["info", "warning", "warn", "error", "exception", "critical"])
def test_level_logger_and_time_are_structlogs_own_in_the_same_order(method: str) -> None:
    out = io.StringIO()
    configure_logging("INFO", json=True, stream=out)
    getattr(structlog.get_logger("openbrain.test"), method)("turn.committed", tokens=3)
    [line] = lines(out.getvalue())
    expected = _reference_line("openbrain.test", method, tokens=3, event="turn.committed")
    assert list(line) == list(expected)  # key order: the bytes readers and tests match on
    assert {k: v for k, v in line.items() if k != "timestamp"} == {
        k: v for k, v in expected.items() if k != "timestamp"}
    written, reference = (datetime.fromisoformat(stamp.removesuffix("Z") + "+00:00")
                          for stamp in (line["timestamp"], expected["timestamp"]))
    assert line["timestamp"].endswith("Z")
    assert abs((reference - written).total_seconds()) < 5


def test_a_new_configuration_reaches_loggers_made_before_it() -> None:
    """Each configuration keeps one writer per logger name; a logger obtained earlier writes
    where the latest configuration says, at its level."""
    log = structlog.get_logger("openbrain.test")
    first, second = io.StringIO(), io.StringIO()
    configure_logging("INFO", json=True, stream=first)
    log.info("one")
    log.info("two")
    configure_logging("WARNING", json=True, stream=second)
    log.info("dropped")
    log.warning("three")
    assert [line["event"] for line in lines(first.getvalue())] == ["one", "two"]
    assert [line["event"] for line in lines(second.getvalue())] == ["three"]


def test_one_writer_per_logger_name_and_configuration() -> None:
    configure_logging("INFO", json=True, stream=io.StringIO())
    factory = structlog.get_config()["logger_factory"]
    assert factory("openbrain.a") is factory("openbrain.a")
    assert factory("openbrain.a") is not factory("openbrain.b")
    configure_logging("INFO", json=True, stream=io.StringIO())
    assert structlog.get_config()["logger_factory"]("openbrain.a") is not factory("openbrain.a")


SECRET_SAMPLES = [
    "ob_sk_acme_k1_s3cr3t", "key ob_pk_acme_k2_x", "obc_0123abc", "whsec_a+b/c=", "eyJa.b.c",
    "eyJhbGciOi.eyJzdWIi.sig", "jane@example.com", "x jane.doe+1@mail.example.org y",
    "Bearer abc", "BEARER\tabc", "bEaReR  x", "01M8YYNGADQKWAYC0WRAMNMPD2", "/v1/chat",
    "ob_", "obc", "whsec", "eyJ", "@", "bearer", "a@b", "a@b.c", "OB_SK_UPPER", "EYJa.b.c",
    "\u017f@example.com", "Kelvin \u212a@x.io", "\u0130stanbul@x.io", "",
]


@pytest.mark.parametrize("text", SECRET_SAMPLES)
def test_text_is_scrubbed_as_the_secret_shapes_alone_scrub_it(text: str) -> None:
    assert logs.scrub(text) == logs._SECRET_SHAPES.sub(REDACTED, text)


_MARK_LETTERS = list("obcskpwhe_yJjBEARERr@.-+/=xa0 \t\u017f\u212a\u0130")


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(_MARK_LETTERS) | st.characters(), max_size=40))
def test_any_text_is_scrubbed_as_the_secret_shapes_alone_scrub_it(text: str) -> None:
    """Strings without a mark skip the pattern (ids cost it the most): never one that holds
    a secret's shape."""
    assert logs.scrub(text) == logs._SECRET_SHAPES.sub(REDACTED, text)


# -- JsonLineLogger: structlog's line, without structlog's processor loop --------------------

_KEYS = st.sampled_from(["client_id", "session_id", "email", "note", "ms", "level", "logger",
                         "nested", "who", "token", "message", "request_id", "exc_info"])
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(alphabet=st.sampled_from(_MARK_LETTERS) | st.characters(), max_size=30)
    | st.builds(Person),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=6)


def _line_both_ways(method: str, event: str, fields: dict[str, Any], bound: dict[str, Any],
                    args: tuple[Any, ...]) -> tuple[bytes, bytes]:
    """The line our wrapper writes and the one structlog's own BoundLogger writes with the
    same processors and writers, timestamps set equal."""
    written = []
    for wrapper in (logs.JsonLineLogger, structlog.stdlib.BoundLogger):
        out = io.StringIO()
        configure_logging("INFO", json=True, stream=out)
        structlog.configure(wrapper_class=wrapper, cache_logger_on_first_use=False)
        log = structlog.get_logger("openbrain.test").bind(**bound)
        getattr(log, method)(event, *args, **fields)
        written.append(out.getvalue())
    ours, theirs = (json.loads(text) if text else {} for text in written)
    for line in (ours, theirs):
        if "timestamp" in line:
            line["timestamp"] = "T"
    return (json.dumps(ours).encode(), json.dumps(theirs).encode())


@settings(max_examples=300, deadline=None)
@given(method=st.sampled_from(["debug", "info", "warning", "error", "critical", "exception"]),
       event=st.text(max_size=20), fields=st.dictionaries(_KEYS, _VALUES, max_size=6),
       bound=st.dictionaries(_KEYS, _VALUES, max_size=2),
       context=st.dictionaries(st.sampled_from(["request_id", "client_id", "ms"]), _VALUES,
                               max_size=2))
def test_json_line_logger_writes_structlogs_own_line(
    method: str, event: str, fields: dict[str, Any], bound: dict[str, Any],
    context: dict[str, Any],
) -> None:
    """Same keys in the same order, same values, same redaction, levels filtered alike, for
    fields, bound values and context variables of every kind (and an exception)."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**context)
    try:
        raise ValueError("jane@example.com broke it")
    except ValueError:
        ours, theirs = _line_both_ways(method, event, fields, bound, ())
    assert ours == theirs


def test_positional_arguments_take_structlogs_path() -> None:
    ours, theirs = _line_both_ways("info", "a %s", {"n": 1}, {}, ("b",))
    assert ours == theirs
    assert b"positional_args" in ours


def test_json_line_logger_skips_structlogs_processor_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The deterministic difference: no pass through ``_process_event`` for a JSON line; any
    other configuration (a test's capture) still gets structlog's chain."""
    calls: list[str] = []
    process = structlog.stdlib.BoundLogger._process_event

    def counting(self: Any, method: str, event: Any, kw: Any) -> Any:
        calls.append(method)
        return process(self, method, event, kw)

    monkeypatch.setattr(structlog.stdlib.BoundLogger, "_process_event", counting)
    out = io.StringIO()
    configure_logging("INFO", json=True, stream=out)
    log = structlog.get_logger("openbrain.test")
    log.info("turn.committed", tokens=3)
    assert calls == []
    assert lines(out.getvalue())[0]["event"] == "turn.committed"
    with structlog.testing.capture_logs() as captured:
        log.info("captured", tokens=4)
    assert calls == ["info"]
    assert captured == [{"tokens": 4, "event": "captured", "log_level": "info"}]
    assert len(lines(out.getvalue())) == 1


def test_level_numbers_are_filter_by_levels() -> None:
    from structlog._log_levels import NAME_TO_LEVEL

    assert logs._LEVEL_OF == NAME_TO_LEVEL


def _redact_field_by_field(event: dict[str, Any]) -> dict[str, Any]:
    """What ``redact`` did before it planned per set of names and checked texts at once."""
    out = dict(event)
    for name, value in out.items():
        kind = type(value)
        if kind is str and name in logs._OWN_FIELDS:
            continue
        if name.lower() in logs._SENSITIVE_NAMES:
            out[name] = REDACTED
        elif kind is str:
            out[name] = logs._SECRET_SHAPES.sub(REDACTED, value)
        elif kind is not int and kind is not float and value is not None:
            out[name] = logs.scrub(value)
    return out


_NAMES = st.sampled_from(["client_id", "Email", "note", "ms", "level", "logger", "timestamp",
                          "nested", "who", "TOKEN", "message", "request_id", "event", "path"])


@settings(max_examples=1000, deadline=None)
@given(st.dictionaries(_NAMES, _VALUES | st.text(
    alphabet=st.sampled_from(_MARK_LETTERS) | st.characters(), max_size=40), max_size=8))
def test_redaction_equals_the_field_by_field_rule(event: dict[str, Any]) -> None:
    """Sensitive names (in any case) blanked, texts scrubbed as the secret shapes alone scrub
    them (a mark in one text, in none, in several), other values scrubbed whole; the
    pipeline's own text fields left alone; the keys in their order, twice (planned once)."""
    for _ in range(2):
        redacted = logs.redact(None, "info", dict(event))
        assert redacted == _redact_field_by_field(event)
        assert list(redacted) == list(event)


@settings(max_examples=1000, deadline=None)
@given(st.integers(min_value=0, max_value=2**62) | st.sampled_from(
    [0, 999, 1000, 10**9 - 1, 10**9, 1_764_817_106_000_000_000, 1_764_817_106_000_000_999,
     1_764_817_106_999_999_999, 1_764_817_107_000_000_000]))
def test_stamps_are_datetimes_isoformat_of_the_same_instant(ns: int) -> None:
    """The text ``datetime.now(UTC).isoformat()`` gives for that clock reading (``now``
    floors to microseconds; whole seconds have no fraction), asked out of order and twice."""
    expected = (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)
                ).isoformat().replace("+00:00", "Z")
    assert logs.utc_stamp(ns) == expected
    assert logs.utc_stamp(ns + 10**9) != expected
    assert logs.utc_stamp(ns) == expected


# -- loggers kept on first use, and later configurations --------------------------------------


def test_a_logger_is_built_once_then_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The deterministic difference: structlog builds a module's logger on its first call only
    (it built one per call), and it still writes each line."""
    built: list[str] = []
    init = logs.JsonLineLogger.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(type(self).__name__)
        init(self, *args, **kwargs)

    monkeypatch.setattr(logs.JsonLineLogger, "__init__", counting)
    out = io.StringIO()
    configure_logging("INFO", json=True, stream=out)
    log = structlog.get_logger("openbrain.kept")
    for n in range(5):
        log.info("turn.committed", n=n)
    assert built == ["JsonLineLogger"]
    assert [line["n"] for line in lines(out.getvalue())] == [0, 1, 2, 3, 4]


def test_a_kept_logger_follows_a_console_configuration_and_back() -> None:
    log = structlog.get_logger("openbrain.kept").bind(tenant="t1")
    first, console, second = io.StringIO(), io.StringIO(), io.StringIO()
    configure_logging("INFO", json=True, stream=first)
    log.info("one")
    configure_logging("ERROR", json=False, stream=console)
    log.info("dropped by the console's level")
    log.error("two", email="jane@example.com")
    configure_logging("INFO", json=True, stream=second)
    log.info("three")
    assert [(line["event"], line["tenant"]) for line in lines(first.getvalue())] == [
        ("one", "t1")]
    text = console.getvalue()
    assert "two" in text
    assert "tenant=t1" in text
    assert "jane@" not in text
    assert not text.lstrip().startswith("{")
    assert "dropped" not in text
    assert [(line["event"], line["tenant"]) for line in lines(second.getvalue())] == [
        ("three", "t1")]


def test_a_kept_logger_is_captured_and_then_writes_again() -> None:
    """``capture_logs`` edits the configured processors in place; a logger kept before it
    is captured during it and writes its lines again after it."""
    out = io.StringIO()
    configure_logging("INFO", json=True, stream=out)
    log = structlog.get_logger("openbrain.kept")
    log.info("before")
    with structlog.testing.capture_logs() as captured:
        log.info("during", n=1)
        structlog.get_logger("openbrain.new").warning("new during")
    log.info("after")
    assert captured == [{"n": 1, "event": "during", "log_level": "info"},
                        {"event": "new during", "log_level": "warning"}]
    assert [line["event"] for line in lines(out.getvalue())] == ["before", "after"]


def test_a_kept_logger_follows_structlogs_own_configuration() -> None:
    """Another configuration altogether (not ours): its processors, logger and wrapper."""
    out = io.StringIO()
    configure_logging("INFO", json=True, stream=out)
    log = structlog.get_logger("openbrain.kept")
    log.info("ours")
    seen: list[dict[str, Any]] = []

    def keep(_logger: Any, method: str, event: Any) -> Any:
        seen.append({"method": method, **event})
        raise structlog.DropEvent

    structlog.configure(processors=[keep], wrapper_class=structlog.stdlib.BoundLogger,
                        logger_factory=structlog.ReturnLoggerFactory())
    log.bind(a=1).warning("theirs", b=2)
    assert seen == [{"method": "warning", "a": 1, "b": 2, "event": "theirs"}]
    assert [line["event"] for line in lines(out.getvalue())] == ["ours"]
