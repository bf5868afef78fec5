"""One parser for integer request parameters (``?limit=``, ``?page=``…), below the apps.

Each caller turns :class:`BadParameter` into its own error shape (HF error JSON, ``{"detail": …}``,
a 400 page); the message names the parameter and what is allowed.
"""

from __future__ import annotations


class BadParameter(ValueError):
    """A query parameter the endpoint cannot use; the message names it and says what is allowed."""


def int_param(params, name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    """``params[name]`` as an int in ``minimum..maximum`` (no upper bound when None); ``default`` when absent or blank."""
    raw = (params.get(name) or "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number") from None
    if value < minimum or (maximum is not None and value > maximum):
        allowed = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise BadParameter(f"{name} must be {allowed}")
    return value
