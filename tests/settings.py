"""Settings for the test suite: the real settings, with a throw-away data directory."""

import os
import tempfile

os.environ.setdefault("DAILYPAPERS_DATA_DIR", tempfile.mkdtemp(prefix="dailypapers-test-"))

from dailypapers.settings import *  # noqa: E402,F403

# Hashing cost is irrelevant to what the tests check and dominates their run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
