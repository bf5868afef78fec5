"""The inner loop's ``slow`` marker (tests/conftest.py) names modules that exist and reaches them."""

import subprocess
import sys

from tests.conftest import SLOW_MODULES, TESTS


def test_every_slow_module_exists():
    assert sorted(m for m in SLOW_MODULES if not (TESTS / m).is_file()) == []


def test_not_slow_leaves_out_the_slow_modules_and_the_browser():
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", "-m", "not slow", str(TESTS)],
        capture_output=True, text=True, cwd=TESTS.parent, check=True,
    ).stdout.splitlines()
    ids = [line for line in listed if "::" in line]
    assert len(ids) > 400
    assert not [i for i in ids if i.split("::")[0].removeprefix("tests/") in SLOW_MODULES or i.startswith("tests/browser/")]
    assert any(i.startswith("tests/test_layering.py::") for i in ids)
