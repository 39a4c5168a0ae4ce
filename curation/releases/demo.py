"""Demo data for the releases area: at a scale that names a release (`seed_demo --scale
paper`), export it from the accepted images as the site does (built, checked by the
independent check, then published)."""

from benchmark.release import ReleaseError
from curation.core.models import RunStatus
from curation.releases import services


def seed(say, options) -> None:
    scale = options.get("scale")
    if scale is None or not scale.release:
        return
    try:
        release = services.release_prepare(destination=None, allow_simulated=True, **scale.release)
    except ReleaseError as error:
        say(f"Release: not exported: {error}")
        return
    run = services.release_export_start(release, inline=True)
    if run.status != RunStatus.SUCCEEDED:
        say(f"Release {release.version}: export failed: {run.error}")
        return
    counts = run.result["counts"]
    say(
        f"Release {release.version} published at {release.destination}: "
        f"{counts['memorisation']['images']} memorisation images, "
        f"{counts['probe']['items']} probe items, {counts['probe']['images']} probe images; "
        "the independent check passed before it was published"
    )
