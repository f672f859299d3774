"""structlog JSON logs with request id and clientId; secrets and lead data scrubbed.

The redaction processor runs last before rendering, on every event (including exception
text and records from the standard ``logging`` module): it blanks values under sensitive
names and replaces anything shaped like a key, sign-in code, token, webhook secret, JWT or
e-mail address.

The composition root (:mod:`openbrain.runtime`) applies a :class:`LogSetup` in every entry
point: JSON for services and Lambda functions, readable errors-only lines for the CLI.
"""

from __future__ import annotations

import logging
import re
import sys
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

_WIRE_LOGGERS = ("botocore", "boto3", "urllib3", "httpcore", "httpx", "openai")


def scrub(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return _SECRET_SHAPES.sub(REDACTED, value)
    if depth > 5:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            k: REDACTED if str(k).lower() in _SENSITIVE_NAMES else scrub(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(v, depth + 1) for v in value]
    return value


def redact(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: scrub every field (the event name included)."""
    for name in list(event):
        if name.lower() in _SENSITIVE_NAMES:
            event[name] = REDACTED
        else:
            event[name] = scrub(event[name])
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
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
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
