"""Issue 22: settings refuse a value they cannot read, naming the variable, and create no folder when loaded."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup(); from django.conf import settings; print({})"


def load_settings(env_changes, expression="settings.DEBUG", cwd=ROOT):
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x" * 50, **env_changes})
    return subprocess.run([sys.executable, "-c", SETUP.format(expression)], cwd=cwd, env=env,
                          capture_output=True, text=True)


@pytest.mark.parametrize("name, value, expected", [
    ("DEBUG", "ture", 'DEBUG must be one of true/false/1/0/yes/no/on/off, got "ture"'),
    ("SECURE_COOKIES", "enabled", 'SECURE_COOKIES must be one of true/false/1/0/yes/no/on/off, got "enabled"'),
    ("EMAIL_USE_TLS", "y", 'EMAIL_USE_TLS must be one of true/false/1/0/yes/no/on/off, got "y"'),
    ("SESSION_COOKIE_AGE", "2h", 'SESSION_COOKIE_AGE must be a whole number, got "2h"'),
    ("AXES_FAILURE_LIMIT", "five", 'AXES_FAILURE_LIMIT must be a whole number, got "five"'),
    ("TASKS_BACKEND", "celery", 'TASKS_BACKEND must be one of db/rq, got "celery"'),
    ("MFA_REQUIRED_ROLES", "coordinator,admin",
     'MFA_REQUIRED_ROLES must be a comma-separated list of clerk/coordinator/supervisor/superuser, got "admin"'),
])
def test_a_value_settings_cannot_read_stops_the_start_with_its_name(name, value, expected):
    result = load_settings({name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and expected in result.stderr, result.stderr


@pytest.mark.parametrize("value, expected", [("1", "True"), ("Yes", "True"), (" on ", "True"), ("true", "True"),
                                             ("0", "False"), ("no", "False"), ("OFF", "False"), ("", "False")])
def test_every_documented_spelling_of_a_flag_is_read(value, expected):
    result = load_settings({"DEBUG": value})
    assert result.stdout.strip() == expected, result.stderr


def test_email_tls_is_read_as_a_flag_like_every_other():
    result = load_settings({"EMAIL_USE_TLS": "true", "EMAIL_PORT": "587"}, "settings.EMAIL_USE_TLS, settings.EMAIL_PORT")
    assert result.stdout.split() == ["True", "587"], result.stderr


def test_loading_the_settings_creates_no_folder(tmp_path):
    # A copy of the settings module in an empty checkout: its var/ must not appear by loading it.
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "settings.py", tmp_path / "config" / "settings.py")
    (tmp_path / "config" / "__init__.py").write_text("")
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CACHE_DIR")}
    env.update({"SECRET_KEY": "x" * 50, "PYTHONPATH": str(tmp_path)})
    result = subprocess.run([sys.executable, "-c", "import config.settings as s; print(s.DATABASES['default']['NAME'])"],
                            cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "var" / "registry.sqlite3")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["config"]


def test_the_default_database_folder_comes_with_the_clone():
    tracked = subprocess.run(["git", "ls-files", "var"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert tracked == ["var/README.md"]
