"""The embedded site's data directory: where it is, and making it ready before Django starts.

Importing the settings only computes paths; :func:`prepare_data_dir` creates what they name. The
``dailypapers`` command (``cli.main``), ``dailypapers.wsgi`` and the test settings call it before
Django reads its settings; a script that calls ``django.setup()`` itself calls it first too.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

SECRET_KEY_FILE = "secret_key"


def data_dir() -> Path:
    """``DAILYPAPERS_DATA_DIR``, else ``./data``; the settings' ``DATA_DIR``."""
    return Path(os.environ.get("DAILYPAPERS_DATA_DIR") or Path.cwd() / "data").resolve()


def prepare_data_dir(path: Path | None = None) -> Path:
    """Create the data dir private to the site's user, and the secret key on first start.

    The dir holds the database (with live sessions), its WAL, the secret key and mailed links. The
    umask makes every file this process writes there (SQLite's WAL and journal included) 0600; what an
    earlier version left readable is tightened here. Safe to call in many processes at once."""
    path = data_dir() if path is None else path
    os.umask(0o077)
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    for database_file in path.glob("dailypapers.sqlite3*"):
        database_file.chmod(0o600)
    # `collectstatic` fills it for deployments; WhiteNoise expects it to exist.
    (path / "static").mkdir(exist_ok=True)
    if not os.environ.get("DAILYPAPERS_SECRET_KEY"):
        key_file = path / SECRET_KEY_FILE
        # O_EXCL: two processes starting at once agree on a single key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(50))
    return path


def secret_key(path: Path) -> str:
    """``DAILYPAPERS_SECRET_KEY``, else the key :func:`prepare_data_dir` generated in the data dir."""
    configured = os.environ.get("DAILYPAPERS_SECRET_KEY")
    if configured:
        return configured
    try:
        return (path / SECRET_KEY_FILE).read_text().strip()
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"No secret key: DAILYPAPERS_SECRET_KEY is unset and {path / SECRET_KEY_FILE} does not exist. Start the site "
            "through the `dailypapers` command or dailypapers.wsgi, or call dailypapers.lib.datadir.prepare_data_dir() "
            "before django.setup()."
        ) from None
