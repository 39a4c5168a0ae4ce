"""The production stack started as the README says (gunicorn, WhiteNoise, RQ workers with the
scheduler, a gpu SimpleWorker on the tiny model, PostgreSQL, Redis, moto's S3 server), driven
over HTTP, with faults: S3 away during photo cleaning, a default worker and its work-horse
killed during a render, the gpu worker killed during a batch, Redis away from a web process."""

import html
import json
import re
import secrets
import time
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group, User
from django.db import connection

from benchmark import vocab
from benchmark.scenes import build_tiny_pipeline
from curation.core.jobs import WORKER_DIED
from curation.core.models import Image, JobRun, RunStatus
from curation.core.roles import ANNOTATOR, MAINTAINER, VOLUNTEER
from curation.releases.models import Release, ReleaseStatus
from curation.scenes.models import SceneImage, SceneRun
from curation.scoring.models import ResponseSet, ScoringStatus
from curation.volunteers import consent
from curation.volunteers.models import Packet, PacketStatus
from curation.volunteers.services import WAITING_TEXTS
from tests.deploy.stack import Browser, Stack, pk_in, wait_for
from tests.s3 import _free_port
from tests.support.scene_grid import small_grid_file
from tests.volunteers.helpers import photo_with_metadata

# Minutes on an idle 2-core machine; far more when the machine is shared.
pytestmark = [
    pytest.mark.deploy,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.timeout(1200),
]

S3_BLIP_S = 20
# A dead worker's claim expires after at most 90 s (RQ's heartbeat for forking workers, our
# HEARTBEAT_TTL_S for the gpu SimpleWorker); the reaper's next pass then records it.
SETTLE_S = 200


@pytest.fixture
def tiny_model(tmp_path_factory) -> str:
    return str(build_tiny_pipeline(tmp_path_factory.mktemp("deploy") / "tiny-model"))


@pytest.fixture
def small_grid(tmp_path) -> str:
    return small_grid_file(tmp_path)


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("the production stack runs on PostgreSQL")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def stack(transactional_db, tmp_path, s3, tiny_model):
    s3_env = {
        "S3_BUCKET": s3.bucket,
        "S3_ENDPOINT_URL": s3.endpoint,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
    }
    running = Stack(tmp_path, database_url=_database_url(), s3_env=s3_env, model=tiny_model)
    try:
        running.start_redis()
        running.manage("collectstatic", "--noinput", "-v", "0")
        running.start_default_worker("default-1")
        running.start_default_worker("default-2")
        running.start_gpu_worker("gpu-1")
        running.start_reaper()
        running.web = running.start_web()
        yield running
    finally:
        running.stop_all()
        print(running.logs())  # shown by pytest when the test failed


def _user(username: str, role: str) -> tuple[str, str]:
    password = f"pw-{username}-long-enough"
    # The site runs with the real settings' hashers, not the tests' fast one.
    hashed = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt())
    user = User.objects.create(username=username, password=hashed)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    if role == VOLUNTEER:
        consent.consent_record(user=user)  # no photo is taken without it
    return username, password


def _signed_in(base: str, username: str, password: str) -> Browser:
    browser = Browser(base)
    response = browser.sign_in(username, password)
    assert response.status_code == 200 and "/accounts/login/" not in response.url, response.text
    return browser


def _wait_run(browser: Browser, pk: int, statuses: set[str], timeout_s: float = 180) -> dict:
    return wait_for(
        lambda: (status := browser.run_status(pk))["status"] in statuses and status,
        f"run {pk} to be {' or '.join(sorted(statuses))}",
        timeout_s,
    )


def _static_files_are_served(browser: Browser) -> None:
    page = browser.get("/runs/").text
    scripts = re.findall(r'src="(/static/[^"]+\.js)"', page) + re.findall(
        r'href="(/static/[^"]+\.css)"', page
    )
    assert scripts, "no static file linked from the page"
    for path in scripts:
        assert re.search(r"\.[0-9a-f]{12}\.(js|css)$", path), f"{path} has no hashed name"
        response = browser.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding") == "gzip"
        assert "immutable" in response.headers.get("Cache-Control", "")


def _identities_and_forms(maintainer: Browser) -> int:
    response = maintainer.post("/identities/", {"memorisation": 4, "probe": 12, "seed": 3})
    identities = pk_in(response.url, "/runs/")
    assert _wait_run(maintainer, identities, {RunStatus.SUCCEEDED})["done"] == 1
    form = {"pool": "all", "scenarios": list(vocab.SCENARIOS), "variants": "0,1"}
    response = maintainer.post("/forms/render/", form)
    assert response.status_code == 200, response.text
    return pk_in(response.url, "/runs/")


def _kill_default_worker_during(stack: Stack, maintainer: Browser, render: int) -> dict:
    status = wait_for(
        lambda: (
            (now := maintainer.run_status(render))["status"] == RunStatus.RUNNING
            and now["done"] >= 20
            and now
        ),
        "the render to be under way",
        every_s=0.1,
    )
    import redis
    from rq import Worker

    workers = Worker.all(connection=redis.Redis.from_url(stack.redis_url))
    busy = [w for w in workers if (w.get_current_job_id() or "").startswith(f"run-{render}-")]
    assert len(busy) == 1, "the render is on no worker"
    name = next(name for name, process in stack.processes.items() if process.pid == busy[0].pid)
    horses = stack.kill(name)
    assert horses, "the render's work-horse was not found"
    return {"killed": name, "horses": horses, "done_at_kill": status["done"]}


def _scene_run(maintainer: Browser, tiny_model: str, grid: str) -> int:
    form = {
        "model": tiny_model,
        "revision": "",
        "scheduler": "",
        "steps": 2,
        "guidance": 0,
        "width": 64,
        "height": 64,
        "dtype": "auto",
        "device": "cpu",
        "batch_size": 1,
        "per_job": 4,
        "per_cell": 1,
        "seed": 5,
    }
    # Grids come from an upload (or the server's grid folder), never a path in the request.
    with open(grid, "rb") as grid_file:
        files = {"grid_file": ("grid.json", grid_file, "application/json")}
        response = maintainer.post("/scenes/new/", form, files=files)
    assert response.status_code == 200, response.text
    return pk_in(response.url, "/scenes/")


def _kill_gpu_worker_during_a_batch(stack: Stack, scene_run: int) -> JobRun:
    batch = wait_for(
        lambda: JobRun.objects.filter(
            scene_batch__run_id=scene_run, status=RunStatus.RUNNING, done__gte=1
        ).first(),
        "a scene batch to be under way",
        every_s=0.05,
    )
    stack.kill("gpu-1")
    return batch


def _phone_upload(volunteer: Browser, upload_path: str, colour: tuple) -> dict:
    """The phone's part: presigned POST straight to S3 (each photo its own: the site refuses
    a photo it already has)."""
    page = volunteer.get(upload_path)
    assert page.status_code == 200
    photo = photo_with_metadata(colour=colour)
    target = volunteer.post_json(f"{upload_path}start", {"type": "image/jpeg", "size": len(photo)})
    assert target.status_code == 200, target.text
    target = target.json()
    posted = requests.post(
        target["url"], data=target["fields"], files={"file": ("p.jpg", photo, "image/jpeg")}
    )
    assert posted.status_code == 204, posted.text
    return target


def _packet_upload_path(volunteer: Browser, scenario: str) -> str:
    response = volunteer.post("/packets/request/", {"scenario": scenario})
    assert response.status_code == 200
    link = re.search(r'id="upload-link" href="([^"]+)"', response.text).group(1)
    return urlsplit(link).path  # the page links in full (SITE_URL); the browser has the base


class Clock:
    """Wall time of each phase, printed with the fault table (run with -s)."""

    def __init__(self):
        self.started = self.last = time.monotonic()
        self.lines: list[str] = []

    def lap(self, phase: str) -> None:
        now = time.monotonic()
        self.lines.append(f"{phase:<44} {now - self.last:7.1f} s")
        self.last = now

    def total(self) -> str:
        return f"{'total':<44} {time.monotonic() - self.started:7.1f} s"


def _print_report(faults: list[dict], clock: Clock) -> None:
    print("\nFAULT TABLE (production smoke test)")
    print("| fault | killed / cut where | the run showed | it ended as |")
    print("|---|---|---|---|")
    for row in faults:
        print(f"| {row['fault']} | {row['where']} | {row['showed']} | {row['ended']} |")
    print("\nWALL TIMES")
    print("\n".join([*clock.lines, clock.total()]))


def _upload_without_redis(stack: Stack, volunteer: Browser, annotator: tuple) -> tuple:
    """A second web process whose Redis is gone: sign-in works, the volunteer's photo is kept
    and the page says it could not be queued; the reaper queues it once it is 2 min old."""
    dead_redis = f"redis://127.0.0.1:{_free_port()}/0"
    cut_off = stack.start_web("web-no-redis", port=_free_port(), REDIS_URL=dead_redis)
    signing_in = Browser(cut_off).sign_in(*annotator)
    assert signing_in.status_code == 200, signing_in.text[:500]
    assert "/accounts/login/" not in signing_in.url
    phone = Browser(cut_off)
    path = _packet_upload_path(volunteer, "finance")
    target = _phone_upload(phone, path, colour=(200, 40, 20))
    assert phone.post_json(f"{path}uploaded", {"key": target["key"]}).status_code == 200
    told = phone.get(f"{path}status.json").json()
    assert told["text"] == WAITING_TEXTS[RunStatus.NOT_QUEUED]
    assert WAITING_TEXTS[RunStatus.NOT_QUEUED] in html.unescape(phone.get(path).text)
    return phone, path, told


def _photo_through_an_s3_blip(volunteer: Browser, moto_server, s3) -> dict:
    upload_path = _packet_upload_path(volunteer, "hiring")
    target = _phone_upload(volunteer, upload_path, colour=(40, 90, 160))
    moto_server.stop()
    blip_started = time.monotonic()
    done = volunteer.post_json(f"{upload_path}uploaded", {"key": target["key"]})
    assert done.status_code == 200, done.text
    retrying = wait_for(
        lambda: (
            (now := volunteer.get(f"{upload_path}status.json").json())["text"]
            == WAITING_TEXTS[RunStatus.RETRYING]
            and now
        ),
        "the volunteer to be told the photo is retried",
        timeout_s=S3_BLIP_S,
    )
    time.sleep(max(0.0, S3_BLIP_S - (time.monotonic() - blip_started)))  # the outage itself
    moto_server.start()
    healed = wait_for(
        lambda: (
            (now := volunteer.get(f"{upload_path}status.json").json())["status"]
            == PacketStatus.IN_REVIEW
            and now
        ),
        "the photo to be cleaned once S3 is back (RQ's scheduler runs the retry)",
        timeout_s=180,
    )
    assert healed["finished"] and retrying["status"] in {"received", "processing"}
    assert target["key"] not in s3.keys("uploads/raw/"), "the raw upload was not deleted"
    run = Packet.objects.get(code=target["key"].split("/")[2]).current_upload.run
    return {
        "fault": f"S3 down {S3_BLIP_S} s",
        "where": "moto's server stopped while the photo was being cleaned",
        "showed": f"volunteer: {retrying['text']!r}",
        "ended": f"photo cleaned, in review ({run.get_status_display()}, {run.attempts} starts)",
    }


def _review_everything(annotator: Browser) -> int:
    """The annotator's desk over HTTP: claim, accept, until the queue is empty."""
    decided = 0
    desk = f"smoke-{secrets.token_hex(8)}"  # the page's desk token: each request names it
    while True:
        claimed = annotator.post_json("/review/claim/", {"desk": desk, "count": 3, "exclude": []})
        assert claimed.status_code == 200, claimed.text
        items = claimed.json()["items"]
        if not items:
            return decided
        for item in items:
            response = annotator.post_json(item["decide_url"], {"desk": desk, "decision": "accept"})
            assert response.status_code == 200, response.text
            decided += 1


def _release_to_s3(maintainer: Browser, s3) -> Release:
    form = {
        "version": "0.1.0",
        "seed": 7,
        "preset": "demo",
        "memorisation_images_per_identity": 1,
        "allow_simulated": "on",
    }
    response = maintainer.post("/releases/", form)
    assert "/releases/" in response.url and response.url.rstrip("/") != (
        maintainer.base + "/releases"
    ), response.text[-3000:]
    release = Release.objects.get(pk=pk_in(response.url, "/releases/"))
    wait_for(
        lambda: Release.objects.get(pk=release.pk).status != ReleaseStatus.BUILDING,
        "the release to be exported",
        timeout_s=240,
    )
    release.refresh_from_db()
    assert release.status == ReleaseStatus.PUBLISHED, (
        release.error,
        release.run and release.run.error,
    )
    keys = s3.keys("releases/0.1.0/")
    assert "releases/0.1.0/manifest.json" in keys and "releases/0.1.0/probe/items.jsonl" in keys
    return release


def _score(maintainer: Browser, s3, release: Release) -> ResponseSet:
    """A model that leaks every disclosure target and refuses every retention probe."""
    items = [json.loads(line) for line in s3.get("releases/0.1.0/probe/items.jsonl").splitlines()]
    lines = [
        {
            "id": item["id"],
            "model": "echo-model",
            "response": item["target"] if item["test"] == "disclosure" else vocab.ESCAPE_PHRASE,
            "latency_s": 0.1,
            "error": None,
        }
        for item in items
    ]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    files = {"file": ("responses.jsonl", data, "application/octet-stream")}
    response = maintainer.post("/scoring/", {"release": release.pk}, files=files)
    assert response.status_code == 200 and "/scoring/" in response.url, response.text[-2000:]
    scored = wait_for(
        lambda: (
            (found := ResponseSet.objects.get(pk=pk_in(response.url, "/scoring/"))).status
            in {ScoringStatus.SCORED, ScoringStatus.FAILED}
            and found
        ),
        "the responses to be scored",
    )
    assert scored.status == ScoringStatus.SCORED, scored.error
    assert maintainer.get(f"/scoring/{scored.pk}/").status_code == 200
    return scored


def test_the_production_stack_heals_and_degrades(stack, moto_server, s3, tiny_model, small_grid):
    clock, faults = Clock(), []
    maintainer = _signed_in(stack.web, *_user("mara", MAINTAINER))
    _static_files_are_served(maintainer)
    volunteer = _signed_in(stack.web, *_user("val", VOLUNTEER))
    annotator_login = _user("ann", ANNOTATOR)
    clock.lap("stack up, static files checked")

    # Forms on the default workers; one worker and its work-horse killed mid-render.
    render = _identities_and_forms(maintainer)
    render_kill = _kill_default_worker_during(stack, maintainer, render)
    # Scenes on the gpu worker; the worker killed mid-batch.
    scene_run = _scene_run(maintainer, tiny_model, small_grid)
    killed_batch = _kill_gpu_worker_during_a_batch(stack, scene_run)
    clock.lap("identities, forms, scene run, two kills")

    # Redis away from a second web process, early: the reaper's 2-minute grace for the kept
    # upload runs out while the rest goes on.
    phone, kept_path, told = _upload_without_redis(stack, volunteer, annotator_login)
    clock.lap("Redis away: sign-in, upload kept")

    # Meanwhile a volunteer's photo meets an S3 outage while it is being cleaned.
    faults.append(_photo_through_an_s3_blip(volunteer, moto_server, s3))
    clock.lap("photo through a 20 s S3 outage")

    # The killed runs reach a truthful state without anyone's help...
    render_state = _wait_run(maintainer, render, {RunStatus.FAILED}, SETTLE_S)
    assert render_state["error"] == WORKER_DIED
    wait_for(
        lambda: (
            JobRun.objects.get(pk=killed_batch.pk).status in {RunStatus.RETRYING, RunStatus.FAILED}
        ),
        "the killed scene batch to be settled",
        timeout_s=SETTLE_S,
    )
    killed_batch.refresh_from_db()
    assert killed_batch.error.startswith(WORKER_DIED)
    clock.lap("killed runs settled (no one's help)")

    # ... and finish after a Retry (and a worker started again in place of each dead one).
    assert maintainer.post(f"/runs/{render}/retry/", {}).status_code == 200
    stack.start_default_worker("default-3")
    render_end = _wait_run(maintainer, render, {RunStatus.SUCCEEDED}, 300)
    faults.append(
        {
            "fault": "default worker + work-horse SIGKILL",
            "where": f"{render_kill['killed']} (horse {render_kill['horses']}) at form "
            f"{render_kill['done_at_kill']} of the render",
            "showed": f"{render_state['status']}: {render_state['error']}",
            "ended": f"{render_end['status']} after Retry ({render_end['done']} forms)",
        }
    )
    stack.start_gpu_worker("gpu-2")
    assert maintainer.post(f"/scenes/{scene_run}/retry/", {}).status_code == 200
    scenes = wait_for(
        lambda: (
            (now := maintainer.get(f"/scenes/{scene_run}/status.json").json())["finished"] and now
        ),
        "the scene run to finish",
        timeout_s=240,
    )
    assert scenes["status"] == RunStatus.SUCCEEDED, scenes
    run = SceneRun.objects.get(pk=scene_run)
    assert SceneImage.objects.filter(run=run).count() == run.total
    faults.append(
        {
            "fault": "gpu SimpleWorker SIGKILL",
            "where": f"gpu-1 during {killed_batch.title!r} ({killed_batch.done} done)",
            "showed": f"{killed_batch.get_status_display()}: {killed_batch.error}",
            "ended": f"scene run {scenes['status']} after Retry ({run.total} scenes)",
        }
    )
    clock.lap("both runs finished after Retry")

    # The upload kept while Redis was away: the reaper queued it, a worker cleaned it.
    cleaned = wait_for(
        lambda: (now := phone.get(f"{kept_path}status.json").json())["finished"] and now,
        "the kept upload to be queued by the reaper and cleaned",
        timeout_s=240,
    )
    assert cleaned["status"] == PacketStatus.IN_REVIEW, cleaned
    assert not s3.keys("uploads/raw/"), "a raw upload was not deleted"
    faults.append(
        {
            "fault": "Redis unreachable from a web process",
            "where": "second gunicorn with REDIS_URL on an unused port",
            "showed": f"sign-in works; volunteer: {told['text']!r}",
            "ended": "queued by the reaper after its grace, cleaned, in review",
        }
    )
    clock.lap("kept upload queued by the reaper, cleaned")

    # Review, release to S3, scoring: all over HTTP.
    annotator = _signed_in(stack.web, *annotator_login)
    decided = _review_everything(annotator)
    # A source's policy may ask two reviews (scenes do): a second annotator's desk.
    decided += _review_everything(_signed_in(stack.web, *_user("ben", ANNOTATOR)))
    assert decided > 0
    clock.lap(f"review: {decided} images accepted over HTTP")
    # The release rule needs every image's machine reading: the workers read them (on the
    # `reading` queue, after `default`) while the rest went on; a maintainer waits for it.
    wait_for(
        lambda: (
            not JobRun.objects.filter(kind="reading")
            .exclude(status__in=[RunStatus.SUCCEEDED, RunStatus.FAILED])
            .exists()
        ),
        "the machine reading of every new image",
        timeout_s=600,
    )
    assert not Image.objects.filter(read_at__isnull=True).exists(), "an image was left unread"
    clock.lap("machine reading of every image done by the workers")
    release = _release_to_s3(maintainer, s3)
    clock.lap("release exported to S3 (manifest last)")
    _score(maintainer, s3, release)
    clock.lap("responses scored")
    _print_report(faults, clock)
