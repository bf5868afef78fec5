"""Reading the operator's environment variables (settings.py, cli): one conversion per type.

An unset or empty variable takes the default; a value that does not convert stops the process with
an error naming the variable and the value, instead of a bare ``ValueError`` from ``int()``.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a yes/no value (use one of: 1, true, yes, on, 0, false, no, off)")


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def env_float(name: str, default: float) -> float:
    value = _raw(name)
    if value is None:
        return float(default)
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list, items stripped, empty items dropped (``"cs, stat,"`` -> ``["cs", "stat"]``)."""
    value = os.environ.get(name)
    if value is None:
        value = default
    return [item.strip() for item in value.split(",") if item.strip()]
