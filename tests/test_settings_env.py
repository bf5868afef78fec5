"""Settings from the environment: conversions with errors naming the variable, and an import that creates nothing."""

import os
import stat
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from dailypapers.lib.datadir import prepare_data_dir, secret_key
from dailypapers.lib.env import env_bool, env_float, env_int, env_list


def test_conversions_read_values_and_defaults(monkeypatch):
    monkeypatch.setenv("DP_T_INT", " 42 ")
    monkeypatch.setenv("DP_T_FLOAT", "1.5")
    monkeypatch.setenv("DP_T_LIST", " cs, stat,, math ")
    monkeypatch.setenv("DP_T_BOOL", "Yes")
    monkeypatch.setenv("DP_T_EMPTY", "")
    assert env_int("DP_T_INT", 1) == 42
    assert env_float("DP_T_FLOAT", 2) == 1.5
    assert env_list("DP_T_LIST") == ["cs", "stat", "math"]
    assert env_bool("DP_T_BOOL") is True
    # Unset or empty: the default (an empty list variable is an empty list, as before).
    assert env_int("DP_T_EMPTY", 7) == 7 and env_int("DP_T_UNSET", 7) == 7
    assert env_float("DP_T_UNSET", 2) == 2.0 and isinstance(env_float("DP_T_UNSET", 2), float)
    assert env_bool("DP_T_EMPTY", True) is True and env_bool("DP_T_UNSET") is False
    assert env_list("DP_T_UNSET", "a,b") == ["a", "b"] and env_list("DP_T_EMPTY", "a,b") == []
    monkeypatch.setenv("DP_T_BOOL", "off")
    assert env_bool("DP_T_BOOL", True) is False


@pytest.mark.parametrize(
    ("convert", "value", "message"),
    [
        (lambda: env_int("DP_T_BAD", 1), "sixty", "DP_T_BAD='sixty' is not a whole number"),
        (lambda: env_int("DP_T_BAD", 1), "1.5", "DP_T_BAD='1.5' is not a whole number"),
        (lambda: env_float("DP_T_BAD", 1.0), "fast", "DP_T_BAD='fast' is not a number"),
        (lambda: env_bool("DP_T_BAD"), "maybe", "DP_T_BAD='maybe' is not a yes/no value"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_variable(monkeypatch, convert, value, message):
    monkeypatch.setenv("DP_T_BAD", value)
    with pytest.raises(ImproperlyConfigured, match=message.replace(".", r"\.")):
        convert()


def _import_settings(tmp_path, code: str, **env_vars) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DAILYPAPERS_SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env.update(DAILYPAPERS_DATA_DIR=str(tmp_path / "data"), **env_vars)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)


def test_importing_the_settings_creates_nothing_on_disk(tmp_path):
    result = _import_settings(tmp_path, "import dailypapers.settings as s; print(s.DATA_DIR)", DAILYPAPERS_SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "data")
    assert list(tmp_path.iterdir()) == []


def test_a_bad_setting_stops_the_import_naming_it(tmp_path):
    result = _import_settings(tmp_path, "import dailypapers.settings", DAILYPAPERS_SECRET_KEY="k" * 50, DAILYPAPERS_HARVEST_HOUR="six")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DAILYPAPERS_HARVEST_HOUR='six' is not a whole number" in result.stderr


def test_without_a_key_or_a_prepared_data_dir_the_import_says_what_to_do(tmp_path):
    result = _import_settings(tmp_path, "import dailypapers.settings")
    assert result.returncode != 0
    assert "DAILYPAPERS_SECRET_KEY is unset" in result.stderr and "prepare_data_dir()" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_prepare_makes_a_private_data_dir_with_one_key(tmp_path, monkeypatch):
    monkeypatch.delenv("DAILYPAPERS_SECRET_KEY", raising=False)
    old_umask = os.umask(0o022)
    try:
        data = tmp_path / "data"
        data.mkdir(mode=0o755)
        (data / "dailypapers.sqlite3").write_text("")
        (data / "dailypapers.sqlite3").chmod(0o644)  # left readable by an earlier version
        prepare_data_dir(data)
        assert os.umask(0o022) == 0o077  # files written from now on are the user's alone
        key = secret_key(data)
        prepare_data_dir(data)  # idempotent: the first key stays
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "dailypapers.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "secret_key").stat().st_mode) == 0o600
    assert (data / "static").is_dir()
    assert len(key) >= 50 and secret_key(data) == key


def test_a_configured_key_is_used_and_no_file_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("DAILYPAPERS_SECRET_KEY", "configured-key")
    old_umask = os.umask(0o022)
    try:
        prepare_data_dir(tmp_path / "data")
    finally:
        os.umask(old_umask)
    assert not (tmp_path / "data" / "secret_key").exists()
    assert secret_key(tmp_path / "data") == "configured-key"


def test_the_command_prepares_the_data_dir(tmp_path):
    result = _import_settings(tmp_path, "import sys; from dailypapers.cli import main; sys.exit(main(['check']))")
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert (tmp_path / "data" / "secret_key").exists()
