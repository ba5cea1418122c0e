import os
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
SURVEY_2017 = ROOT / "fixtures" / "clair_overseas_bases_2017-09.tsv"


def pytest_configure(config):
    """Under pytest-xdist each worker empties its cache before every test: give each worker a folder of its own
    (its subprocesses inherit it through CACHE_DIR)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not os.environ.get("CACHE_DIR"):
        return
    from django.conf import settings

    os.environ["CACHE_DIR"] = f"{os.environ['CACHE_DIR']}-{worker}"
    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        settings.CACHES["default"]["LOCATION"] = os.environ["CACHE_DIR"]


# .ci/run runs the suite twice, on PostgreSQL (CI_RUN=postgres) and on SQLite (CI_RUN=sqlite). A test whose outcome
# cannot depend on the suite's database runs in one of the two only: browser tests and ``sqlite_files`` tests run
# over SQLite files of their own (a server over a copy of the demo, a backup, a load run) whatever the database;
# ``any_database`` tests check rules written in Python over the same ORM queries (the Japanese of every page, the
# lead's column of the permission matrix). Without CI_RUN (bin/test as a developer runs it) everything runs.
ONCE_IN = {"browser": "sqlite", "sqlite_files": "sqlite", "any_database": "postgres"}


def pytest_collection_modifyitems(config, items):
    run = os.environ.get("CI_RUN", "")
    if not run:
        return
    for item in items:
        for marker, only_in in ONCE_IN.items():
            if only_in != run and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=f"database-independent: .ci/run runs it in the {only_in} run"))
                break


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the local governments loaded (they are reference data)."""
    with django_db_blocker.unblock():
        call_command("load_local_governments", stdout=open("/dev/null", "w"))


@pytest.fixture(autouse=True)
def reference_data_after_a_flush(request):
    """A transactional test (``django_db(transaction=True)``) may start after another one emptied every table
    (Django flushes after each): it gets the local governments back first."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    from registry.models import Organization

    if not Organization.objects.exists():
        call_command("load_local_governments", stdout=open("/dev/null", "w"))


@pytest.fixture
def organization():
    from registry.models import Organization

    def get(name_or_code):
        if name_or_code.isdigit():
            return Organization.objects.get(code=name_or_code)
        return Organization.objects.get(name=name_or_code)

    return get


@pytest.fixture
def english_messages(client):
    """Messages asserted in their English source form, whichever translations exist (pages and code). Staff pages
    are in the site's language whatever the browser asks (registry/core/language.py): the site's language is English."""
    from django.test import override_settings
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with override_settings(LANGUAGE_CODE="en"), translation.override("en"):
        yield


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.jp", "correct-horse-battery")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Tests create many users; production's slow password hash would dominate their run time."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def force_login_signs_in_with_the_second_factor():
    """``client.force_login`` is a finished sign-in, second factor included (tests/support/second_factor.py)."""
    from tests.support import second_factor

    second_factor.install()
    yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts without what another test's pages cached (e.g. the countries in use)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
