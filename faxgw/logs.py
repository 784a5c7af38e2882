"""Structured logging: one line per event on stdout, which journald collects.

    setup_logging("INFO")                      # once, at start (fmt="text" for a terminal)
    with log_context(faxId=fax.id, attemptId=attempt.id, modem=port):
        log.info("dialing")                    # every line inside carries the three ids

The context lives in a ContextVar, so it follows async code: a task created inside a
``log_context`` block keeps its ids, and concurrent calls on two modems never mix theirs.
A JSON line holds time, level, logger, message, the context ids, any ``extra=`` fields,
and the traceback when there is one.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any, TextIO

# The ids an event can be about, in the order they are printed; names as in the API.
CONTEXT_FIELDS = ("tenantId", "faxId", "attemptId", "modem")

_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "faxgw_log_context", default={})

# Attributes every LogRecord has; anything else on a record came from extra=.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# Secrets as they appear in text: webhook signing secrets, API keys, Authorization headers.
# Every line is passed through these at every level, tracebacks included.
_SECRETS = re.compile(r"(whsec_|fgw_)[A-Za-z0-9_\-]{6,}|(?i:(bearer)\s+)[^\s\"',;]+")
# extra= fields that hold what a tenant sent about a patient, or a secret.
_PRIVATE_FIELDS = frozenset({"metadata", "coverPage", "secret", "secrets", "apiKey", "authorization"})
# Libraries whose DEBUG lines print every SQL statement's parameters (patient metadata,
# signing secrets): never below INFO, whatever logging.level says.
_CHATTY_LIBRARIES = ("aiosqlite",)
REDACTED = "[redacted]"

# journald reads a "<N>" prefix on a stdout line as the syslog priority of that line
# (SyslogLevelPrefix=, on by default), so `journalctl -p warning` works on JSON lines too.
_SYSLOG_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4,
                    logging.INFO: 6, logging.DEBUG: 7}


@contextlib.contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    """Bind ids (faxId=, attemptId=, modem=, tenantId=) for the block; None values are
    skipped, inner blocks add to and override outer ones."""
    token = _context.set({**_context.get(), **_known_ids(ids)})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, Any]:
    return dict(_context.get())


def _known_ids(ids: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(ids) - set(CONTEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown log context field(s) {sorted(unknown)}; "
                        f"expected some of {CONTEXT_FIELDS}")
    return {key: value for key, value in ids.items() if value is not None}


def redact(text: str) -> str:
    """`text` with every secret it shows replaced."""
    return _SECRETS.sub(_redacted, text)


def _redacted(match: re.Match) -> str:
    if match.group(1):
        return match.group(1) + REDACTED
    return match.group(2) + " " + REDACTED


def _event_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The context ids in force when the event was logged, then its extra= fields."""
    fields = dict(getattr(record, "faxgw_context", {}))
    fields.update((key, REDACTED if key in _PRIVATE_FIELDS else value) for key, value in vars(record).items()
                  if key not in _RECORD_ATTRIBUTES and key != "faxgw_context")
    ordered = {key: fields.pop(key) for key in CONTEXT_FIELDS if key in fields}
    return ordered | fields


class ContextFilter(logging.Filter):
    """Copies the bound ids onto the record while still in the logging call's context."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.faxgw_context = _context.get()
        return True


class RepeatLimit(logging.Filter):
    """At most `burst` identical records (same logger, level, source line and message) per
    `window_s`; the rest are dropped and counted, and the next one let through says how
    many were (field `suppressedRepeats`). A failure that repeats thousands of times a
    second (accept() out of descriptors) then costs a few lines a minute instead of filling
    the disk; records that differ (each fax's own line) are never held back."""

    MAX_KEYS = 4096  # distinct calls tracked; beyond, the oldest window is forgotten

    def __init__(self, burst: int = 10, window_s: float = 60.0, clock=None) -> None:
        super().__init__()
        self.burst, self.window_s = burst, window_s
        self._clock = clock or time.monotonic
        self._windows: dict[tuple, list] = {}  # key -> [window start, records, suppressed]

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, record.pathname, record.lineno, record.getMessage())
        now = self._clock()
        window = self._windows.get(key)
        if window is None or now - window[0] >= self.window_s:
            suppressed = window[2] if window is not None else 0
            if window is None and len(self._windows) >= self.MAX_KEYS:
                self._windows.pop(next(iter(self._windows)))
            self._windows[key] = window = [now, 0, 0]
            if suppressed:
                record.suppressedRepeats = suppressed
        if window[1] >= self.burst:
            window[2] += 1
            return False
        window[1] += 1
        return True


class JsonFormatter(logging.Formatter):
    def __init__(self, syslog_prefix: bool = False) -> None:
        super().__init__()
        self.syslog_prefix = syslog_prefix

    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": _rfc3339(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_event_fields(record),
        }
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        line = redact(json.dumps(event, ensure_ascii=False, default=str))
        return _priority_prefix(record) + line if self.syslog_prefix else line


class TextFormatter(logging.Formatter):
    """For a person at a terminal: `faxgw serve` run by hand."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={value}" for key, value in _event_fields(record).items())
        line = f"{_rfc3339(record.created)} {record.levelname} {record.name}: " \
               f"{record.getMessage()}" + (f" [{fields}]" if fields else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


def setup_logging(level: str | int = "INFO", fmt: str = "json",
                  stream: TextIO | None = None) -> logging.Handler:
    """Send every logger's events to `stream` (stdout) in `fmt`; replaces earlier set-up."""
    stream = stream if stream is not None else sys.stdout
    if fmt == "json":
        formatter: logging.Formatter = JsonFormatter(syslog_prefix=stream_is_journal(stream))
    elif fmt == "text":
        formatter = TextFormatter()
    else:
        raise ValueError(f"log format must be 'json' or 'text', not {fmt!r}")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RepeatLimit())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "faxgw_handler", False)]:
        root.removeHandler(old)
    handler.faxgw_handler = True
    root.addHandler(handler)
    root.setLevel(_level_number(level))
    for name in _CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.INFO, _level_number(level)))
    return handler


def _level_number(level: str | int) -> int:
    if isinstance(level, int):
        return level
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}")
    return number


def stream_is_journal(stream: TextIO) -> bool:
    """True when systemd connected this stream to journald: $JOURNAL_STREAM holds the
    device and inode of that socket (systemd.exec(5))."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    try:
        info = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return expected == f"{info.st_dev}:{info.st_ino}"


def _priority_prefix(record: logging.LogRecord) -> str:
    thresholds = sorted(_SYSLOG_PRIORITY, reverse=True)
    level = next((t for t in thresholds if record.levelno >= t), logging.DEBUG)
    return f"<{_SYSLOG_PRIORITY[level]}>"


def _rfc3339(created: float) -> str:
    moment = datetime.fromtimestamp(created, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
