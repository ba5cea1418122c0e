"""Screenshots of the list and report pages in headless Chromium, with the 2017 demo data.

    .venv/bin/python bench/screenshots.py [--out docs/screenshots] [--chromium chromium]

Builds a throw-away SQLite database (migrate + setup_demo + a superuser), renders
each page as that signed-in user through Django's test client, writes the HTML to
a temporary directory and photographs it with ``chromium --headless --screenshot``.
The pages need nothing from the server to display: styles and SVG charts are inline.
Prints the path of each PNG.

Needs Debian's Chromium and a Japanese font (without it Japanese renders as boxes):
    apt-get install -y chromium fonts-ipafont-gothic
"""
import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    # (file name, URL, window height)
    ("bases_filtered.png", "/bases/?region=kyushu&form=c&form=b&established_from=H20&sort=-staff_total", 1500),
    ("bases_country.png", "/bases/?countries=VN&status=active", 1500),
    ("survey_report.png", "/survey/2017-09-30/", 4000),
    ("survey_progress.png", "/survey/2017-09-30/progress/", 1600),
]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
]


def prepare_database(work_dir):
    os.environ["DATABASE_URL"] = f"sqlite:///{work_dir / 'screenshots.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("setup_demo", stdout=open(os.devnull, "w"))
    return get_user_model().objects.create_superuser("screenshots", "screenshots@example.jp", "not-used-anywhere-1")


def render_pages(user, html_dir):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    rendered = []
    for file_name, url, height in PAGES:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        html_path = html_dir / file_name.replace(".png", ".html")
        html_path.write_bytes(response.content)
        rendered.append((file_name, html_path, height))
    return rendered


def screenshot(chromium, html_path, png_path, height, profile_dir):
    command = [
        chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", f"--window-size=1400,{height}",
        f"--screenshot={png_path}", html_path.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--chromium", default="chromium")
    options = parser.parse_args()
    out_dir = Path(options.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        work_dir = Path(temp)
        user = prepare_database(work_dir)
        for file_name, html_path, height in render_pages(user, work_dir):
            png_path = out_dir / file_name
            screenshot(options.chromium, html_path, png_path, height, work_dir / "profile")
            print(png_path)


if __name__ == "__main__":
    main()
