"""Exporting a release: a Release row, then the export job that builds and publishes it."""

import json
from pathlib import Path
from typing import NoReturn

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from benchmark.release import ReleaseConfig, ReleaseError, build_release
from curation.core import storage
from curation.core.jobs import JobFailed, run_now, run_progress, start_job
from curation.core.models import Image, ImageStatus
from curation.releases import selectors
from curation.releases.models import Release, ReleaseImage, ReleaseStatus
from curation.releases.s3_sink import S3ReleaseSink, is_s3_destination, s3_prefix

EXPORT_JOB = "curation.releases.tasks.export_release_job"


def default_destination(version: str) -> str:
    """An S3 prefix in the site's bucket when files live on S3, else a folder under var/."""
    if storage.uses_s3():
        return f"s3://{storage.bucket_name()}/releases/{version}"
    return str(Path(settings.VAR_DIR) / "releases" / version)


def _normalised_destination(destination: str) -> str:
    if is_s3_destination(destination):
        return f"s3://{storage.bucket_name()}/{s3_prefix(destination)}"
    return str(Path(destination).resolve())


def release_prepare(
    *,
    version: str,
    seed: int,
    preset: str | None,
    destination: str | None,
    allow_simulated: bool = False,
    sizes: dict | None = None,
    user=None,
) -> Release:
    """Validate the config and record the release (or find the one already recorded
    for this version and place, so an interrupted export can be run again)."""
    destination = _normalised_destination(destination or default_destination(version))
    config = ReleaseConfig(
        version=version,
        seed=seed,
        preset=preset or None,
        allow_simulated=allow_simulated,
        date=_release_date(version, destination),
        **(sizes or {}),
    )
    release, created = Release.objects.get_or_create(
        version=version,
        destination=destination,
        defaults={
            "seed": seed,
            "preset": preset or "",
            "config": config.to_dict(),
            "created_by": user if user and user.is_authenticated else None,
        },
    )
    if not created and release.config != config.to_dict():
        if release.status != ReleaseStatus.FAILED:
            raise ReleaseError(
                f"release {version} at {destination} was already started with another "
                "config; choose a new version number."
            )
        _reconfigure_failed(release, config, seed=seed, preset=preset or "")
    return release


def release_start(*, user=None, **prepare) -> Release:
    """Record the release and queue its export in one transaction: a web process killed
    between the two leaves neither, never a release "building" that no run will build."""
    with transaction.atomic():
        release = release_prepare(user=user, **prepare)
        release_export_start(release, user=user)
    return release


def _reconfigure_failed(release: Release, config: ReleaseConfig, *, seed: int, preset: str):
    """A failed export published nothing, so its version is still free: it takes the new
    settings instead of using up the number."""
    release.seed, release.preset, release.config, release.error = (
        seed,
        preset,
        config.to_dict(),
        "",
    )
    release.save(update_fields=["seed", "preset", "config", "error"])


def release_export_start(release: Release, *, user=None, inline: bool = False):
    """Start the export job of a prepared release: queued after commit, or (`inline`, for
    commands) run here now. Returns its JobRun."""
    job = {
        "kind": "export",
        "title": f"Export release {release.version}",
        "params": {"release_id": release.pk},
        "user": user,
    }
    return run_now(EXPORT_JOB, **job) if inline else start_job(EXPORT_JOB, **job)


def _release_date(version: str, destination: str) -> str | None:
    """A release is dated the day it is first prepared; running it again keeps that date
    (the date is part of its config, so of its bytes)."""
    started = Release.objects.filter(version=version, destination=destination).first()
    return started.config.get("date") if started else timezone.localdate().isoformat()


def release_export(run, release: Release) -> dict:
    """Build, check and publish the release (the export job's work), progress on `run`;
    a failure is recorded on the release."""
    Release.objects.filter(pk=release.pk).update(run=run, status=ReleaseStatus.BUILDING, error="")
    run_progress(run, 0, 1, "Reading accepted images")
    try:
        records = selectors.accepted_image_records()
        config = ReleaseConfig(**release.config)
        manifest = build_release(
            selectors.release_identities(),
            records,
            config,
            _destination(release, records),
            withdrawn=selectors.release_withdrawals(),
            progress=lambda done, total, message: run_progress(run, done, total, message),
        )
    except storage.StorageUnavailable as error:
        _fail(release, f"{error}. Nothing was published; run the export again when S3 answers.")
    except ReleaseError as error:
        _fail(release, str(error) + _unread_note())
    except Exception as error:
        _mark_failed(release, f"{type(error).__name__}: {error}")
        raise
    _record_published(release, manifest)
    return {
        "manifest_sha256": manifest["manifest_sha256"],
        "destination": release.destination,
        "counts": manifest.get("counts", {}),
    }


def _unread_note() -> str:
    """Why cells may be short though enough images were accepted: their readings (which the
    release rule needs) are not done yet."""
    unread = Image.objects.filter(status=ImageStatus.ACCEPTED, read_at__isnull=True).count()
    if not unread:
        return ""
    return (
        f" {unread} accepted image(s) are still waiting for their machine reading (Runs "
        "page): run the export again once it is done."
    )


def _fail(release: Release, message: str) -> NoReturn:
    _mark_failed(release, message)
    raise JobFailed(message) from None


def _mark_failed(release: Release, message: str) -> None:
    Release.objects.filter(pk=release.pk).update(status=ReleaseStatus.FAILED, error=message)


def export_abandoned(run) -> None:
    """The reaper gave up on an export run: its release says failed, with the reason,
    instead of "building" for ever (a failed export published nothing; run it again)."""
    release_id = run.params.get("release_id")
    Release.objects.filter(pk=release_id, status=ReleaseStatus.BUILDING).update(
        status=ReleaseStatus.FAILED,
        error=f"{run.error} Nothing was published: run the export again.",
    )


def _destination(release: Release, records) -> str | S3ReleaseSink:
    """A folder (the library publishes it), or a sink that publishes to an S3 prefix after
    building and checking under var/."""
    if not is_s3_destination(release.destination):
        return release.destination
    sources = {record.sha256: record.s3_key for record in records if record.s3_key}
    work_dir = Path(settings.VAR_DIR) / "release-staging" / release.version
    return S3ReleaseSink(release.destination, sources, work_dir)


def published_bytes(release: Release, name: str) -> bytes | None:
    """One of the published release's files, from its folder or its S3 prefix; None
    before it is published or when it has no such file."""
    if release.status != ReleaseStatus.PUBLISHED:
        return None
    if is_s3_destination(release.destination):
        return storage.read_if_exists(f"{s3_prefix(release.destination)}/{name}")
    path = Path(release.destination) / name
    return path.read_bytes() if path.is_file() else None


def published_text(release: Release, name: str) -> str | None:
    data = published_bytes(release, name)
    return None if data is None else data.decode("utf-8")


@transaction.atomic
def _record_published(release: Release, manifest: dict) -> None:
    release.status = ReleaseStatus.PUBLISHED
    release.manifest_sha256 = manifest["manifest_sha256"]
    release.counts = manifest.get("counts", {})
    release.published_at = release.published_at or timezone.now()
    release.error = ""
    # Only what publishing sets: the row's `run` was set by the job, not on this object.
    release.save(update_fields=["status", "manifest_sha256", "counts", "published_at", "error"])
    held = _sha256s_in(published_text(release, "manifest.json"))
    images = Image.objects.filter(sha256__in=held).values_list("pk", flat=True)
    ReleaseImage.objects.bulk_create(
        [ReleaseImage(release=release, image_id=pk) for pk in images], ignore_conflicts=True
    )


def _sha256s_in(manifest_text: str) -> set[str]:
    manifest = json.loads(manifest_text)
    return {
        entry["sha256"]
        for entry in manifest.get("files", [])
        if entry["path"].split("/")[1:2] == ["images"]
    }
