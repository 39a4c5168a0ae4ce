"""The release export job (see curation.core.jobs); the work is services.release_export."""

from curation.releases import services
from curation.releases.models import Release


def export_release_job(run, *, release_id: int) -> dict:
    release = Release.objects.get(pk=release_id)
    return services.release_export(run, release)
