"""Issue 16 item 12: production settings — no key from the repository, security from the environment, check --deploy."""
import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0", "ALLOWED_HOSTS": "registry.example.jp", "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1", "SECURE_HSTS_PRELOAD": "1",
    "SECURE_COOKIES": "1",
}


def run(env_changes, *args):
    # (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it)
    env = {key: value for key, value in os.environ.items()
           if key not in ("SECRET_KEY", "TEST_DATABASE_NAME", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(env_changes)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)


def settings_value(env_changes, expression):
    code = f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup(); " \
           f"from django.conf import settings; print({expression})"
    result = run(env_changes, "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_secret_key_an_installation_key_is_made_once_outside_git(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    first = settings_value({"SECRET_KEY_FILE": str(key_file)}, "settings.SECRET_KEY")
    second = settings_value({"SECRET_KEY_FILE": str(key_file)}, "settings.SECRET_KEY")
    assert first == second == key_file.read_text().strip() and len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    tracked = subprocess.run(["git", "grep", "-l", "-F", first], cwd=ROOT, capture_output=True, text=True)
    assert tracked.stdout == ""
    assert "var/" in (ROOT / ".gitignore").read_text().split()
    other = settings_value({"SECRET_KEY_FILE": str(tmp_path / "other")}, "settings.SECRET_KEY")
    assert other != first


def test_security_settings_come_from_the_environment():
    values = settings_value(PRODUCTION, "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
                                        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE")
    assert values == "True 31536000 True True"
    assert settings_value({}, "settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE") == "False False"


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    result = run({**PRODUCTION, "SECRET_KEY_FILE": str(tmp_path / "secret_key")},
                 "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    database = tmp_path / "db.sqlite3"
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup(); "
            "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); "
            "print(c.fetchone()[0], connection.settings_dict['OPTIONS']['transaction_mode'], "
            "connection.settings_dict['OPTIONS']['timeout'])")
    result = run({"DATABASE_URL": f"sqlite:///{database}"}, "-c", code)
    assert result.stdout.split() == ["wal", "IMMEDIATE", "30"], result.stderr


def test_a_page_view_does_not_write_the_session(client, django_user_model, db):
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(django_user_model.objects.create_superuser("reader", "r@example.jp", "pw-1234567890"))
    client.get("/admin/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    assert not [q for q in queries.captured_queries if Session._meta.db_table in q["sql"]
                and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


def test_before_collectstatic_static_files_come_from_the_apps_and_nothing_is_created(tmp_path, settings, recwarn):
    from django.test import RequestFactory

    from config.static_files import StaticFilesMiddleware

    settings.STATIC_ROOT = tmp_path / "not collected"
    settings.WHITENOISE_USE_FINDERS = True  # as settings decide while STATIC_ROOT holds no collected files
    middleware = StaticFilesMiddleware(lambda request: None)
    response = middleware(RequestFactory().get("/static/admin/css/base.css"))
    assert response.status_code == 200
    assert not settings.STATIC_ROOT.exists()
    assert not [warning for warning in recwarn if "No directory" in str(warning.message)]
