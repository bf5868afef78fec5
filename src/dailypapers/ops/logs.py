"""Structured logs: with ``DAILYPAPERS_LOG_FORMAT=json`` every log line is one JSON object.

Each object has ``ts`` (UTC, ISO 8601 with milliseconds), ``level``, ``logger``, ``message``, the
``request_id`` of the request being served (when there is one, on every line logged while serving
it), and what the caller passed in ``extra`` (the access log passes ``method``, ``path``, ``status``,
``duration_ms``); an exception adds ``exc_info`` as text. Lines are never split, so a log shipper
reads one record per line.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

# The id of the request this thread or task is serving; set by RequestObservationMiddleware.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("dailypapers_request_id", default=None)

# An id a client or proxy sent is kept only when it is short and plain, so it cannot forge log
# fields or inject header lines; otherwise a fresh one is made.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\Z")


def request_id_from(header_value: str | None) -> str:
    if header_value and REQUEST_ID_PATTERN.match(header_value):
        return header_value
    return uuid.uuid4().hex


# The attributes every LogRecord has; anything else on a record came from ``extra`` and is output.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see the module docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        # default=str: a request object or a path in ``extra`` (Django's own loggers pass them) is
        # written as text instead of failing the log call.
        return json.dumps(entry, default=str, ensure_ascii=False)


def granian_log_config(log_format: str) -> dict | None:
    """Granian's own logging (start-up, worker restarts), in the site's format: with JSON logs, its
    lines are JSON objects too (granian merges this into its default configuration)."""
    if log_format != "json":
        return None
    json_formatter = {"()": "dailypapers.ops.logs.JsonFormatter"}
    return {"formatters": {"generic": json_formatter, "access": json_formatter}}
