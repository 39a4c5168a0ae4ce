"""Review desk latency: key press to the next image painted, in Chromium, on the embedded default.

A throw-away site under var/perf-desk/ (SQLite, files on local disk, jobs in-process, as
`scripts/demo` runs it) is served by `manage.py runserver`; Debian's Chromium signs in as an
annotator and accepts 50 form images with the A key, then reloads the page and accepts 50
more. The page marks `review-painted-<id>` two animation frames after it shows an image;
the time from the key event to that mark is one sample.

Each image is looked at for --think-ms (300 ms: no one decides faster) before the key: at
0 ms the page decides faster than the embedded site (SQLite, one writer at a time) claims
the images behind it, and the figures measure the claim round trip instead of the desk.

Figures: p50/p95 in ms before and after the reload (goal: p95 < 100 ms), and each p50 as a
ratio to the floor: the same key-event-to-two-frames time for a key the page ignores,
measured interleaved in the same run (what the browser costs with no work at all).

    python perf/desk_latency.py                # 50 decisions, then 50 after a reload
    python perf/desk_latency.py --think-ms 0   # keys as fast as the page paints

The last line printed is one JSON object.
"""

import argparse
import io
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

GOALS = {"p95_ms": 100}
WORK = ROOT / "var" / "perf-desk"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
USER, PASSWORD = "perf-annotator", secrets.token_urlsafe(12)
# Key events and paints, on the page's own clock (performance.now()).
PROBE = """
window.__keys = [];
document.addEventListener('keydown', (event) => {
  window.__keys.push({key: event.key, t: event.timeStamp});
  if (event.key === 'x') {
    const n = window.__keys.length;
    requestAnimationFrame(() => requestAnimationFrame(() => performance.mark(`floor-${n}`)));
  }
}, true);
"""


def main() -> None:
    args = parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    env = site_environment()
    try:
        prepare_site(env, images=2 * args.decisions + 4)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(url)
            report = measure(url, args.decisions, args.think_ms)
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        if not args.keep:
            shutil.rmtree(WORK, ignore_errors=True)
    print(json.dumps(report, sort_keys=True))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--decisions", type=int, default=50, choices=range(5, 501), metavar="5..500",
        help="decisions timed before the reload, and again after it (default: 50)",
    )  # fmt: skip
    parser.add_argument(
        "--think-ms", type=int, default=300, choices=range(0, 10_001), metavar="0..10000",
        help="time spent looking at each painted image before the key (default: 300)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep var/perf-desk/ afterwards")
    return parser.parse_args()


def site_environment() -> dict:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="curation.settings",
        DATABASE_URL=f"sqlite:///{WORK / 'db.sqlite3'}",
        VAR_DIR=str(WORK),
        MEDIA_ROOT=str(WORK / "media"),
        SECRET_KEY=secrets.token_urlsafe(60),
        DEBUG="1",
    )
    env.pop("S3_BUCKET", None)
    return env


def prepare_site(env: dict, images: int) -> None:
    """Migrate, add the annotator and `images` pending photos of a hiring form (full size,
    each a few bytes different, as real photos are)."""
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from benchmark import forms as bforms
    from benchmark.identities import make_pools
    from curation.core.services import image_store

    call_command("migrate", verbosity=0)
    user = User.objects.create_user(USER, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="annotator")[0])
    identity = make_pools(1, 1, seed=3).probe[0]
    rendered = bforms.render_form(identity, "hiring", 0)
    fields = [{"label": field.label, "value": field.value} for field in rendered.fields]
    for n in range(images):
        picture = rendered.image.copy()
        picture.putpixel((n % picture.width, 0), (n % 256, 0, 0))
        buffer = io.BytesIO()
        picture.save(buffer, "PNG")
        image_store(
            data=buffer.getvalue(),
            key=f"perf/desk-{n}.png",
            source="photo",
            scenario="hiring",
            fields=fields,
        )
    from django.db import connections

    connections.close_all()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/accounts/login/", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The site did not answer at {url} within 60 s.")


def measure(url: str, decisions: int, think_ms: int) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.add_init_script(PROBE)
        page = context.new_page()
        page.goto(f"{url}/accounts/login/")
        page.fill("input[name=username]", USER)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/review/")
        first, first_floor = run_decisions(page, decisions, think_ms)
        page.reload()
        again, again_floor = run_decisions(page, decisions, think_ms)
        browser.close()
    floor = statistics.median(first_floor + again_floor)
    return {
        "decisions": decisions,
        "think_ms": think_ms,
        "before_reload": figures(first, floor),
        "after_reload": figures(again, floor),
        "floor_p50_ms": round(floor, 2),
        "goals": GOALS,
    }


def run_decisions(page, decisions: int, think_ms: int) -> tuple[list[float], list[float]]:
    """Accept `decisions` images one after another, each once its image is painted, a
    floor sample has been taken and the think time has passed; the key-to-paint times and
    the floor samples, in ms."""
    samples, floor = [], []
    for _ in range(decisions):
        shown = wait_painted(page)
        floor.append(floor_sample(page))
        page.wait_for_timeout(think_ms)
        page.keyboard.press("a")
        following = page.wait_for_function(
            "(shown) => { const id = document.getElementById('review').dataset.imageId;"
            " return id && id !== shown && id; }",
            arg=shown,
        ).json_value()
        samples.append(key_to_paint(page, following))
    return samples, floor


def wait_painted(page) -> str:
    handle = page.wait_for_function(
        "() => { const id = document.getElementById('review').dataset.imageId;"
        " return id && performance.getEntriesByName(`review-painted-${id}`).length && id; }"
    )
    return handle.json_value()


def floor_sample(page) -> float:
    page.keyboard.press("x")
    return page.wait_for_function(
        "() => { const n = window.__keys.length; const mark = performance.getEntriesByName("
        "`floor-${n}`)[0]; return mark && mark.startTime - window.__keys[n - 1].t; }"
    ).json_value()


def key_to_paint(page, image_id: str) -> float:
    return page.wait_for_function(
        "(id) => { const mark = performance.getEntriesByName(`review-painted-${id}`)[0];"
        " const key = window.__keys.filter((k) => k.key === 'a').pop();"
        " return mark && key && mark.startTime - key.t; }",
        arg=image_id,
    ).json_value()


def figures(samples: list[float], floor: float) -> dict:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "max_ms": round(ordered[-1], 2),
        "p50_vs_floor": round(p50 / floor, 2) if floor > 0 else None,
    }


if __name__ == "__main__":
    main()
