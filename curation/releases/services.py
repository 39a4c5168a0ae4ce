"""Exporting a release: a Release row, then the export job that builds and publishes it."""

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from benchmark.release import ReleaseConfig, ReleaseError, build_release
from curation.core.jobs import JobFailed, run_progress
from curation.core.models import Image
from curation.releases import selectors
from curation.releases.models import Release, ReleaseImage, ReleaseStatus


def default_destination(version: str) -> str:
    return str(Path(settings.VAR_DIR) / "releases" / version)


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
    config = ReleaseConfig(
        version=version,
        seed=seed,
        preset=preset or None,
        allow_simulated=allow_simulated,
        **(sizes or {}),
    )
    destination = str(Path(destination or default_destination(version)).resolve())
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
        raise ReleaseError(
            f"release {version} at {destination} was already started with another config; "
            "choose a new version number."
        )
    return release


def export_release_job(run, *, release_id: int) -> dict:
    release = Release.objects.get(pk=release_id)
    Release.objects.filter(pk=release.pk).update(run=run, status=ReleaseStatus.BUILDING, error="")
    run_progress(run, 0, 1, "Reading accepted images")
    try:
        manifest = build_release(
            selectors.release_identities(),
            selectors.accepted_image_records(),
            ReleaseConfig(**release.config),
            release.destination,
            withdrawn=selectors.withdrawn_since_last_release(),
            progress=lambda done, total, message: run_progress(run, done, total, message),
        )
    except ReleaseError as error:
        Release.objects.filter(pk=release.pk).update(status=ReleaseStatus.FAILED, error=str(error))
        raise JobFailed(str(error)) from None
    _record_published(release, manifest)
    return {
        "manifest_sha256": manifest["manifest_sha256"],
        "destination": release.destination,
        "counts": manifest.get("counts", {}),
    }


@transaction.atomic
def _record_published(release: Release, manifest: dict) -> None:
    release.status = ReleaseStatus.PUBLISHED
    release.manifest_sha256 = manifest["manifest_sha256"]
    release.counts = manifest.get("counts", {})
    release.published_at = release.published_at or timezone.now()
    release.error = ""
    release.save()
    held = _sha256s_in(Path(release.destination) / "manifest.json")
    images = Image.objects.filter(sha256__in=held).values_list("pk", flat=True)
    ReleaseImage.objects.bulk_create(
        [ReleaseImage(release=release, image_id=pk) for pk in images], ignore_conflicts=True
    )


def _sha256s_in(manifest_path: Path) -> set[str]:
    manifest = json.loads(manifest_path.read_text())
    return {
        entry["sha256"]
        for entry in manifest.get("files", [])
        if entry["path"].split("/")[1:2] == ["images"]
    }
