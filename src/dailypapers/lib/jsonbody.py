"""JSON request bodies: one JSON object, or nothing. The one reader of the APIs (native and Hugging
Face–compatible) and of the NUL check, so every body error is a 400 with a message: text that is no
JSON, JSON that is no object, and JSON nested too deeply (``[[[[…]]]]`` made the decoder raise
RecursionError: a 500)."""

from __future__ import annotations

import json

# Deeper than any body these APIs take (their objects are flat), far below the decoder's recursion limit.
MAX_JSON_DEPTH = 32


class BadBody(ValueError):
    """A request body the endpoint cannot read; the message says why."""


def _depth_exceeds(raw: bytes | str, limit: int) -> bool:
    """Whether brackets nest deeper than ``limit`` (outside strings), without decoding."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def loads_object(raw: bytes | str) -> dict:
    """The body as a JSON object (an empty body: ``{}``); raises BadBody otherwise."""
    if not raw:
        return {}
    if _depth_exceeds(raw, MAX_JSON_DEPTH):
        raise BadBody(f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        data = json.loads(raw)
    except RecursionError:  # not reached after the depth check; kept so no decoder limit is a 500
        raise BadBody(f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except (ValueError, UnicodeDecodeError):
        raise BadBody("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadBody("the request body must be a JSON object")
    return data
