"""The cache every server process shares: files under var/cache by default, Redis when CACHE_URL names it.

A stamp renewed by one gunicorn worker must reach the others, so each check runs two separate processes: what
one writes, the other must read.
"""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.conf import settings
from django.core.cache import cache
step = sys.argv[1]
if step == "backend":
    print(settings.CACHES["default"]["BACKEND"])
elif step == "set":
    cache.set("shared-check", "from another process", 60)
elif step == "get":
    print(cache.get("shared-check"))
"""


def run(step, **environment):
    env = {key: value for key, value in os.environ.items() if key not in {"CACHE_URL", "CACHE_DIR"}}
    env.update(environment)
    done = subprocess.run([sys.executable, "-c", SCRIPT, step], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_files_are_the_default_and_shared_between_processes(tmp_path):
    assert run("backend", CACHE_DIR=str(tmp_path)) == "django.core.cache.backends.filebased.FileBasedCache"
    run("set", CACHE_DIR=str(tmp_path))
    assert run("get", CACHE_DIR=str(tmp_path)) == "from another process"


def redis_running():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_running(), reason="no Redis on 127.0.0.1:6379")
def test_cache_url_selects_redis():
    url = "redis://127.0.0.1:6379/14"
    assert run("backend", CACHE_URL=url) == "django.core.cache.backends.redis.RedisCache"
    run("set", CACHE_URL=url)
    assert run("get", CACHE_URL=url) == "from another process"


def test_an_unknown_cache_url_is_refused():
    env = {key: value for key, value in os.environ.items() if key != "CACHE_URL"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, "backend"], cwd=ROOT, capture_output=True, text=True,
                          env={**env, "CACHE_URL": "memcached://127.0.0.1:11211"}, timeout=120)
    assert done.returncode != 0 and "CACHE_URL must be a redis:// URL" in done.stderr
