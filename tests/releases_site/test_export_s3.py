"""Releases published to an S3 prefix (moto's server over HTTP): images copied inside the
bucket, the same bytes as a folder release, manifest.json last, an outage mid-publish."""

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from benchmark.release_check import check_release
from curation.core import storage
from curation.releases.models import Release, ReleaseStatus
from tests.s3 import MotoServer, use_s3

pytestmark = pytest.mark.django_db


def _export(*args: str) -> None:
    call_command("export_release", "--version", "0.1.0", "--preset", "demo", "--seed", "7", *args)


def _download(s3, prefix: str, folder) -> bytes:
    """Every object under the prefix into `folder`; returns manifest.json's bytes."""
    for key in s3.keys(prefix + "/"):
        path = folder / key.removeprefix(prefix + "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(s3.get(key))
    return (folder / "manifest.json").read_bytes()


@pytest.fixture
def spy(monkeypatch):
    """Which release files went up through this machine and which were copied in S3."""
    calls = {"uploaded": [], "copied": []}
    upload, copy = storage.upload_path, storage.copy_object

    def uploading(path, name, **kwargs):
        calls["uploaded"].append(name)
        return upload(path, name, **kwargs)

    def copying(source, name, **kwargs):
        calls["copied"].append(name)
        return copy(source, name, **kwargs)

    monkeypatch.setattr(storage, "upload_path", uploading)
    monkeypatch.setattr(storage, "copy_object", copying)
    return calls


def test_a_release_on_s3_holds_the_same_bytes_as_a_folder_release(
    s3, accepted_demo_set, settings, tmp_path, spy
):
    settings.VAR_DIR = tmp_path / "var"
    _export()  # S3 is configured: the default destination is the bucket's releases/ prefix
    release = Release.objects.get()
    assert release.destination == f"s3://{s3.bucket}/releases/0.1.0"
    assert release.status == ReleaseStatus.PUBLISHED

    published = _download(s3, "releases/0.1.0", tmp_path / "downloaded")
    assert check_release(tmp_path / "downloaded") == []
    assert hashlib.sha256(published).hexdigest() == release.manifest_sha256
    files = json.loads(published)["files"]
    images = [f"releases/0.1.0/{f['path']}" for f in files if "/images/" in f["path"]]
    assert images and sorted(spy["copied"]) == sorted(images)
    assert not set(spy["uploaded"]) & set(images)
    assert spy["uploaded"][-1] == "releases/0.1.0/manifest.json"  # published last

    _export("--out", str(tmp_path / "folder"), "--allow-simulated")
    assert (tmp_path / "folder" / "manifest.json").read_bytes() == published


def test_an_outage_mid_publish_leaves_no_release_and_a_rerun_finishes_it(
    s3, accepted_demo_set, settings, tmp_path, monkeypatch
):
    settings.VAR_DIR = tmp_path / "var"
    copy, copies = storage.copy_object, []

    def failing_after_three(source, name, **kwargs):
        if len(copies) == 3:
            raise storage.StorageUnavailable("Storage is unreachable: connection refused")
        copies.append(name)
        return copy(source, name, **kwargs)

    monkeypatch.setattr(storage, "copy_object", failing_after_three)
    with pytest.raises(CommandError, match="run the export again when S3 answers"):
        _export()
    assert "releases/0.1.0/manifest.json" not in s3.keys("releases/0.1.0/")
    assert Release.objects.get().status == ReleaseStatus.FAILED

    monkeypatch.setattr(storage, "copy_object", copy)
    _export()
    release = Release.objects.get()
    assert release.status == ReleaseStatus.PUBLISHED
    published = _download(s3, "releases/0.1.0", tmp_path / "downloaded")
    assert hashlib.sha256(published).hexdigest() == release.manifest_sha256
    assert check_release(tmp_path / "downloaded") == []


def test_a_release_goes_to_the_sites_own_bucket_only(s3):
    with pytest.raises(CommandError, match=f"the site's bucket '{s3.bucket}'"):
        _export("--out", "s3://someone-elses-bucket/releases/0.1.0")
    assert not Release.objects.exists()


def test_without_s3_an_s3_destination_is_refused_clearly():
    with pytest.raises(CommandError, match="S3_BUCKET is not set"):
        _export("--out", "s3://bucket/releases/0.1.0")


def test_a_page_that_needs_s3_while_it_is_down_says_so(settings, client_as, maintainer):
    own_server = MotoServer()
    own_server.start()
    s3 = use_s3(settings, own_server.endpoint)
    release = Release.objects.create(
        version="0.1.0",
        destination=f"s3://{s3.bucket}/releases/0.1.0",
        seed=7,
        status=ReleaseStatus.PUBLISHED,
    )
    own_server.stop()
    client = client_as(maintainer)
    page = client.get(reverse("curation:release-detail", args=[release.pk]))
    assert page.status_code == 503 and page["Retry-After"]
    assert "File storage (S3) is not answering" in page.content.decode()
    as_json = client.get(
        reverse("curation:release-file", args=[release.pk, "README.md"]),
        headers={"accept": "application/json"},
    )
    assert as_json.status_code == 503 and "try again" in as_json.json()["error"]
