"""Settings for the test suite: the real settings, with a throw-away data directory."""

import os
import tempfile

from dailypapers.lib.datadir import prepare_data_dir

os.environ.setdefault("DAILYPAPERS_DATA_DIR", tempfile.mkdtemp(prefix="dailypapers-test-"))
prepare_data_dir()

from dailypapers.settings import *  # noqa: E402,F403

# Hashing cost is irrelevant to what the tests check and dominates their run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A real database file (not shared-cache memory), so threads and live-server tests see SQLite's
# actual locking behaviour.
DATABASES["default"].setdefault("TEST", {})  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"]["NAME"] = str(DATA_DIR / "test.sqlite3")  # noqa: F405

# Tests never reach arXiv: a test that needs one of its endpoints points it at a loopback server; the
# rest (an API lookup that falls back to OAI-PMH, a feed) find a closed port on loopback.
DAILYPAPERS_ARXIV_OAI_URL = "http://127.0.0.1:9/oai"
DAILYPAPERS_ARXIV_RSS_URL = "http://127.0.0.1:9/rss"
