"""Take the README's status page screenshots, one per language, from the demo data.

    .venv/bin/python docs/screenshots.py            # docs/status-page.png, docs/status-page-it.png

Sets up a throwaway SQLite database under var/ with the demo story (`seed_demo`), serves it with
Django's development server on 127.0.0.1 and photographs /status/?lang=<code> in Debian's chromium
for every language in LANGUAGES. The server stops when the script ends."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"the server did not start on port {port}")


def main() -> None:
    database = ROOT / "var" / "screenshots.sqlite3"
    database.parent.mkdir(exist_ok=True)
    database.unlink(missing_ok=True)
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
        "DEBUG": "false",
    }
    python = sys.executable
    for command in (["compile_translations"], ["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run([python, "manage.py", *command, "--verbosity", "0"], cwd=ROOT, env=environment, check=True)

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    os.environ.update(environment)
    import django

    django.setup()
    from django.conf import settings

    port = free_port()
    server = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(port)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for code, _name in settings.LANGUAGES:
                page.goto(f"http://127.0.0.1:{port}/status/?lang={code}")
                page.wait_for_load_state("networkidle")
                suffix = "" if code == "en" else f"-{code}"
                target = ROOT / "docs" / f"status-page{suffix}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target.relative_to(ROOT))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        database.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
