"""structlog JSON logs with request id and clientId; secrets and lead data scrubbed.

The redaction processor runs last before rendering, on every event (including exception
text and records from the standard ``logging`` module): it blanks values under sensitive
names and replaces anything shaped like a key, sign-in code, token, webhook secret, JWT or
e-mail address.

The composition root (:mod:`openbrain.runtime`) applies a :class:`LogSetup` in every entry
point: JSON for services and Lambda functions, readable errors-only lines for the CLI.

JSON lines from structlog are rendered once, straight to bytes (:class:`LineWriter`): no
``LogRecord``, no formatter, no second pass. Records from the standard ``logging`` module go
through a handler with the same processors and the same encoder, to the same stream.

Under that pipeline structlog's loggers are :class:`JsonLineLogger` objects, which take the
pipeline's steps themselves (the same functions, in the same order, on the same event dict)
instead of one call per processor through structlog's generic loop.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import sys
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, TextIO

import structlog

REDACTED = "[redacted]"
_SECRET_SHAPES = re.compile(
    r"ob_[sp]k_[A-Za-z0-9_-]+"
    r"|obc_[A-Za-z0-9_-]+"
    r"|whsec_[A-Za-z0-9+/=_-]+"
    r"|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
    r"|(?i:bearer)\s+\S+"
)
_SENSITIVE_NAMES = frozenset(
    {
        "authorization", "x-api-key", "cookie", "set-cookie", "token", "secret", "password",
        "api_key", "apikey", "key", "email", "phone", "full_name", "fullname", "first_name",
        "last_name", "middle_name", "date_of_birth", "medications", "notes", "message",
        "context", "body", "query", "ob_session", "lead", "x-visitor-secret",
        "visitor_secret",
    }
)

_OWN_FIELDS = frozenset({"level", "logger", "timestamp"})
"""Written by the pipeline (log level, logger name, ISO time): never a secret's shape."""

_WIRE_LOGGERS = ("botocore", "boto3", "urllib3", "httpcore", "httpx", "openai")


def _marked(text: str) -> bool:
    # Every match of ``_SECRET_SHAPES`` contains one of these marks (in lower case). Most
    # logged strings (ids, names, paths) hold none, and looking for them is linear, where the
    # e-mail branch retries its local part from every position of a long id.
    folded = text.lower()
    return ("@" in folded or "ob_" in folded or "obc_" in folded or "whsec_" in folded
            or "eyj" in folded or "bearer" in folded)


def _scrub_text(text: str) -> str:
    return _SECRET_SHAPES.sub(REDACTED, text) if _marked(text) else text


def scrub(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return _scrub_text(value)
    if depth > 5:
        return REDACTED
    if value is None or isinstance(value, int | float):
        return value
    if isinstance(value, Mapping):
        return {
            k: REDACTED if str(k).lower() in _SENSITIVE_NAMES else scrub(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(v, depth + 1) for v in value]
    # Anything else is written as its repr (as json.dumps' fallback did), scrubbed like any
    # text: the encoder never sees an object whose fields it would write unredacted.
    return _scrub_text(repr(value))


_Plan = tuple[tuple[str, ...], tuple[str, ...]]
_plans: dict[tuple[str, ...], _Plan] = {}
"""Per set of field names (in order) an event was logged with: the sensitive ones and the
others. A few dozen call sites log the same names each time."""


def _plan(names: tuple[str, ...]) -> _Plan:
    sensitive = tuple(name for name in names if name.lower() in _SENSITIVE_NAMES)
    return sensitive, tuple(name for name in names if name not in sensitive)


def redact(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: scrub every field (the event name included) but the level, logger
    name and timestamp this pipeline wrote itself."""
    names = tuple(event)
    plan = _plans.get(names)
    if plan is None:
        plan = _plan(names)
        if len(_plans) < 1024:
            _plans[names] = plan
    sensitive, others = plan
    for name in sensitive:
        event[name] = REDACTED
    texts: list[str] = []
    for name in others:
        value = event[name]
        kind = type(value)
        if kind is str:  # most fields: checked for marks all at once, below
            if name not in _OWN_FIELDS:
                texts.append(name)
        elif kind is not int and kind is not float and value is not None:
            event[name] = scrub(value)
    # A mark in any of the texts is a mark in their join (NUL is in no mark, and lower()
    # maps each character alone but the final sigma, which is in none either): one check
    # for a line's texts, each text checked alone only when one of them holds a mark.
    if texts and _marked("\0".join([event[name] for name in texts])):
        for name in texts:
            event[name] = _scrub_text(event[name])
    return event


def redact_foreign(
    logger: Any, method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Formatter-side redaction for records from the standard ``logging`` module; structlog's
    own events were redacted as the last step of their chain, and nothing is added after it,
    so scrubbing them a second time only doubles the cost of every log line."""
    if event.get("_from_structlog"):
        return event
    return redact(logger, method, event)


# The lines structlog's JSONRenderer wrote, byte for byte (``json.dumps``' separators and
# ASCII escapes; readers and tests match on them), from one encoder built once.
_ENCODER = json.JSONEncoder(default=repr)


def _render_bytes(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> bytes:
    return (_ENCODER.encode(event) + "\n").encode()


def _render_text(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> str:
    return _ENCODER.encode(event)  # the handler adds the newline


_LEVELS = {"warn": "warning", "exception": "error"}  # structlog's ``map_method_name``
_UTC = datetime.UTC


_second: tuple[int, str] = (-1, "")  # the last second stamped and its text, up to the seconds


def utc_stamp(ns: int) -> str:
    """``datetime.now(UTC).isoformat()`` with ``Z`` for ``+00:00``, for the wall clock's
    ``time.time_ns()`` (the clock ``now`` reads, floored to microseconds as ``now`` floors
    it): the date and time are formatted once per second, the microseconds per line."""
    seconds, micros = divmod(ns // 1000, 1_000_000)
    global _second
    done, text = _second
    if done != seconds:
        text = datetime.datetime.fromtimestamp(seconds, _UTC).isoformat()[:-6]
        _second = (seconds, text)
    return f"{text}.{micros:06d}Z" if micros else f"{text}Z"


def _add_meta(
    logger: Any, method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """``add_log_level``, ``add_logger_name`` and ``TimeStamper(fmt="iso", utc=True)`` in one
    step, same keys in the same order, for structlog's own events (whose logger is a
    :class:`LineWriter`); records from the standard ``logging`` module keep those three."""
    event["level"] = _LEVELS.get(method, method)
    event["logger"] = logger.name
    event["timestamp"] = utc_stamp(time.time_ns())
    return event


class LineWriter:
    """structlog's logger for JSON output: writes the line its processors rendered, under the
    handler's lock (so lines from stdlib records never interleave with it), to the handler's
    stream; as bytes to the stream's binary buffer when it has one. Levels are those of the
    standard logger of the same name (``filter_by_level`` drops an event before any work)."""

    def __init__(self, name: str, handler: logging.StreamHandler[TextIO], *,
                 factory: Any = None, args: tuple[str, ...] = ()) -> None:
        self.name = name
        self.factory = factory
        """The logger factory that made this writer (its configuration's)."""
        self.args = args
        """The arguments structlog called it with (the logger's name, if it was given one)."""
        self._stdlib = logging.getLogger(name)
        self._handler = handler
        stream = handler.stream
        self._buffer = getattr(stream, "buffer", None)

    @property
    def disabled(self) -> bool:
        return self._stdlib.disabled

    def getEffectiveLevel(self) -> int:  # noqa: N802 (the stdlib's name, read by structlog)
        return self._stdlib.getEffectiveLevel()

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802
        return self._stdlib.isEnabledFor(level)

    def accepts(self, level: int) -> bool:
        """``structlog.stdlib.filter_by_level``'s rule for this logger."""
        stdlib = self._stdlib
        return not stdlib.disabled and level >= stdlib.getEffectiveLevel()

    def write(self, line: bytes) -> None:
        stream = self._handler.stream
        self._handler.acquire()
        try:
            if self._buffer is not None:
                stream.flush()  # text written to the stream before this line goes first
                self._buffer.write(line)
                self._buffer.flush()
            else:
                stream.write(line.decode())
                stream.flush()
        finally:
            self._handler.release()

    debug = info = warning = warn = error = critical = fatal = exception = write


_PREFIX = structlog.contextvars.STRUCTLOG_KEY_PREFIX  # of structlog's context variables
_LEVEL_OF = {"critical": logging.CRITICAL, "exception": logging.ERROR, "error": logging.ERROR,
             "warn": logging.WARNING, "warning": logging.WARNING, "info": logging.INFO,
             "debug": logging.DEBUG, "notset": logging.NOTSET}
"""``filter_by_level``'s numbers for structlog's method names."""


class JsonLineLogger(structlog.stdlib.BoundLogger):
    """structlog's stdlib ``BoundLogger`` for the JSON pipeline (``wrapper_class``).

    structlog keeps the first one a logger builds (``cache_logger_on_first_use``): no logger
    assembled per call. One built under a configuration no longer in force (another
    configuration, a test's ``capture_logs``) hands each call to the logger the current
    configuration builds, as an uncached logger would have been built on that call.

    An event with no positional arguments takes the pipeline's steps itself, in its
    processors' order, on the event dict structlog builds (bound context, the call's fields,
    ``event``): ``filter_by_level``, ``merge_contextvars``, :func:`_add_meta`,
    ``format_exc_info`` (only for an event that carries ``exc_info``: it does nothing to
    others), :func:`redact`, :func:`_render_bytes`, then the :class:`LineWriter`. The same
    line, without a call per processor through structlog's generic loop. Anything else
    (positional arguments, a logger that is not a line writer, other processors) is
    structlog's own path."""

    def _proxy_to_logger(self, method_name: str, event: str | None = None,
                         *event_args: str, **event_kw: Any) -> Any:
        writer: Any = self._logger
        if type(writer) is not LineWriter:
            return super()._proxy_to_logger(method_name, event, *event_args, **event_kw)
        config = structlog.get_config()
        if (config["logger_factory"] is not writer.factory
                or config["processors"] is not self._processors
                or config["wrapper_class"] is not JsonLineLogger
                or config["context_class"] is not dict):
            current = structlog.wrap_logger(None, logger_factory_args=writer.args,
                                            cache_logger_on_first_use=False)
            return getattr(current.bind(**self._context), method_name)(
                event, *event_args, **event_kw)
        if event_args or event is None or self._processors != _JSON_STEPS:
            return super()._proxy_to_logger(method_name, event, *event_args, **event_kw)
        if not writer.accepts(_LEVEL_OF[method_name]):
            return None  # filter_by_level's rule, before any other work
        fields: dict[str, Any] = self._context.copy()
        fields.update(event_kw)
        fields["event"] = event
        context = contextvars.copy_context()
        for var in context:
            name = var.name
            if name.startswith(_PREFIX):
                value = context[var]
                if value is not Ellipsis:
                    fields.setdefault(name[len(_PREFIX):], value)
        event_dict: Any = _add_meta(writer, method_name, fields)
        if "exc_info" in event_dict:
            event_dict = structlog.processors.format_exc_info(writer, method_name, event_dict)
        writer.write(_render_bytes(writer, method_name, redact(writer, method_name, event_dict)))
        return None


_JSON_STEPS: list[Any] = [
    structlog.stdlib.filter_by_level, structlog.contextvars.merge_contextvars, _add_meta,
    structlog.processors.format_exc_info, redact, _render_bytes]
"""The JSON pipeline's processors, what :class:`JsonLineLogger` does while a logger's list
holds exactly these (structlog's ``capture_logs`` edits the configured list in place: each
configuration gets a copy, compared by content)."""


def configure_logging(
    level: str = "INFO", *, json: bool = True, stream: TextIO | None = None
) -> None:
    """Route structlog and the standard ``logging`` module through one redacting pipeline."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact,
    ]
    # Exceptions reach the renderer as text (``format_exc_info``): no rich tracebacks, whether
    # or not rich is installed (openbrain/__init__.py imports structlog without it).
    renderer: Any = _render_text if json else structlog.dev.ConsoleRenderer(
        colors=False, exception_formatter=structlog.dev.plain_traceback)
    handler = logging.StreamHandler(stream or sys.stderr)
    if json:
        # One writer per logger name and configuration. structlog keeps the logger it builds
        # on first use (JsonLineLogger: one made under another configuration hands each call
        # to the logger that configuration builds, so a later one takes effect everywhere).
        writers: dict[tuple[str, ...], LineWriter] = {}

        def writer(*args: str) -> LineWriter:
            found = writers.get(args)
            if found is None:
                found = writers[args] = LineWriter(args[0] if args else "", handler,
                                                   factory=writer, args=args)
            return found

        structlog.configure(
            processors=list(_JSON_STEPS),
            logger_factory=writer,
            wrapper_class=JsonLineLogger,
            cache_logger_on_first_use=True,
        )
    else:
        structlog.configure(
            processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.stdlib.BoundLogger,
            cache_logger_on_first_use=False,
        )
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                redact_foreign, structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_openbrain", False):
            root.removeHandler(old)
    handler._openbrain = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # These libraries log whole request bodies at DEBUG (lead data, chat messages, table
    # items) and full URLs at INFO (``?q=jane%40...``), in shapes no redaction pattern can
    # recognise: only their warnings and errors are logged.
    for name in _WIRE_LOGGERS:
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
    # uvicorn configured its own plain-text handlers before it called the app factory: its
    # lines go through this pipeline too (JSON, redacted) instead.
    for name in ("uvicorn", "uvicorn.error"):
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    # Access logs of the server would print query strings (``?q=<an e-mail>``): we log our own.
    logging.getLogger("uvicorn.access").disabled = True


@dataclass(frozen=True, kw_only=True)
class LogSetup:
    """One call of :func:`configure_logging`, as a value an entry point can be handed."""

    level: str = "INFO"
    json: bool = True
    stream: TextIO | None = None
    """Where lines go; ``None`` is standard error."""

    @classmethod
    def service(cls, level: str, *, json: bool) -> LogSetup:
        """Servers and Lambda functions: the configured level and format."""
        return cls(level=level, json=json)

    @classmethod
    def console(cls, level: str) -> LogSetup:
        """Commands keep stdout for answers and the terminal for people: readable lines on
        stderr, and only errors unless the level was raised above the default ``INFO`` (the
        offline notice is already part of the agent's reply)."""
        return cls(level="ERROR" if level == "INFO" else level, json=False)

    def apply(self) -> None:
        configure_logging(self.level, json=self.json, stream=self.stream)
