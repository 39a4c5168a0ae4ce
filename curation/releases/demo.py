"""Demo data for the releases area: at a scale that names a release (`seed_demo --scale
paper`), export it from the accepted images as the site does, then check the published
folder again with the independent check."""

from pathlib import Path

from benchmark.release import ReleaseError
from benchmark.release_check import check_release
from curation.core.models import RunStatus
from curation.releases import services
from curation.releases.s3_sink import is_s3_destination


def seed(say, options) -> None:
    scale = options.get("scale")
    if scale is None or not scale.release:
        return
    try:
        release = services.release_prepare(destination=None, allow_simulated=True, **scale.release)
    except ReleaseError as error:
        say(f"Release: not exported: {error}")
        return
    run = services.release_export_here(release)
    if run.status != RunStatus.SUCCEEDED:
        say(f"Release {release.version}: export failed: {run.error}")
        return
    counts = run.result["counts"]
    say(
        f"Release {release.version} published at {release.destination}: "
        f"{counts['memorisation']['images']} memorisation images, "
        f"{counts['probe']['items']} probe items, {counts['probe']['images']} probe images"
    )
    if not is_s3_destination(release.destination):
        problems = check_release(Path(release.destination))
        say(f"  independent check of the published folder: {len(problems)} problems")
        for problem in problems[:20]:
            say(f"  {problem}")
