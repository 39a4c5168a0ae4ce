"""The production stack as the README starts it, in subprocesses: gunicorn with WhiteNoise,
RQ workers with the scheduler, a gpu SimpleWorker, a private Redis, and the reaper
(`manage.py reap --every N`, as its systemd unit runs it, with a shorter period). The test
process owns PostgreSQL (its test database) and moto's S3 server."""

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.s3 import _free_port

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]
# The reaper's period: 60 s in production (deploy/systemd/curation-reaper.service); shorter
# here to keep the test short.
REAP_EVERY_S = 5


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class Stack:
    def __init__(self, tmp: Path, *, database_url: str, s3_env: dict, model: str):
        self.tmp = tmp
        self.redis_port = _free_port()
        self.web_port = _free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp),
            "DJANGO_SETTINGS_MODULE": "curation.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis_url,
            **s3_env,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{self.web_port}",
            # Plain-HTTP staging: no proxy in front, so no HTTPS redirect or secure cookies.
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "SECURE_HSTS_PRELOAD": "0",
            "VAR_DIR": str(tmp / "var"),
            "STATIC_ROOT": str(tmp / "static"),
            "SCENES_MODEL": model,
            "SCENES_DEVICE": "cpu",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "INFO",
        }

    # --- processes ---------------------------------------------------------------------

    def start(self, name: str, command: list[str], **env) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the child)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def manage(self, *args: str, **env) -> str:
        done = subprocess.run(
            [*MANAGE, *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start_redis(self) -> None:
        self.start(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.tmp)],
        )
        wait_for(lambda: _redis_answers(self.redis_port), "Redis to answer")

    def start_web(self, name="web", port=None, **env) -> str:
        port = port or self.web_port
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"]
        self.start(name, [*gunicorn, "curation.wsgi"], GUNICORN_BIND=f"127.0.0.1:{port}", **env)
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(f"{url}/accounts/login/"), f"gunicorn ({name}) to answer")
        return url

    def start_default_worker(self, name: str) -> subprocess.Popen:
        return self.start(name, [*MANAGE, "rqworker", "default", "reading", "--with-scheduler"])

    def start_gpu_worker(self, name: str) -> subprocess.Popen:
        simple = ["--worker-class", "rq.worker.SimpleWorker", "--with-scheduler"]
        return self.start(name, [*MANAGE, "rqworker", "gpu", *simple])

    def start_reaper(self) -> None:
        self.start("reaper", [*MANAGE, "reap", "--every", str(REAP_EVERY_S)])

    def kill(self, name: str) -> list[int]:
        """SIGKILL a worker and its work-horse (if it has one): no chance to clean up."""
        process = self.processes.pop(name)
        horses = children(process.pid)
        for pid in [*horses, process.pid]:
            os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)
        return horses

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()

    def logs(self) -> str:
        tails = []
        for log in sorted(self.tmp.glob("*.log")):
            tails.append(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        return "\n".join(tails)


def wait_for(check, what: str, timeout_s: float = 120, every_s: float = 0.5):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every_s)
    raise AssertionError(f"Gave up waiting {timeout_s:.0f} s for {what}.")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _redis_answers(port: int) -> bool:
    import redis

    try:
        return redis.Redis(port=port).ping()
    except redis.RedisError:
        return False


class Browser:
    """A person at the site: a requests session that signs in and sends Django's CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base + path, timeout=30, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        if "csrftoken" not in self.session.cookies:
            self.get("/accounts/login/")
        token = self.session.cookies["csrftoken"]
        headers = {"X-CSRFToken": token, "Referer": self.base + path}
        return self.session.post(
            self.base + path,
            data={**data, "csrfmiddlewaretoken": token},
            headers=headers,
            timeout=60,
            **kwargs,
        )

    def post_json(self, path: str, payload: dict) -> requests.Response:
        if "csrftoken" not in self.session.cookies:
            self.get("/accounts/login/")
        headers = {"X-CSRFToken": self.session.cookies["csrftoken"], "Referer": self.base + path}
        return self.session.post(self.base + path, json=payload, headers=headers, timeout=30)

    def sign_in(self, username: str, password: str) -> requests.Response:
        self.get("/accounts/login/")
        return self.post("/accounts/login/", {"username": username, "password": password})

    def run_status(self, pk: int) -> dict:
        return self.get(f"/runs/{pk}/status.json").json()


def pk_in(url: str, prefix: str) -> int:
    return int(re.search(rf"{prefix}(\d+)/", url).group(1))
