from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from benchmark.release import ReleaseError
from curation.core.models import ImageStatus
from curation.core.roles import role_required
from curation.releases import services
from curation.releases.forms import ReleaseForm
from curation.releases.models import Release


@role_required()
def release_list(request: HttpRequest) -> HttpResponse:
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            release = services.release_start(
                version=data["version"],
                seed=data["seed"],
                preset=data["preset"],
                destination=None,
                allow_simulated=data["allow_simulated"],
                sizes={
                    "memorisation_images_per_identity": data["memorisation_images_per_identity"]
                },
                user=request.user,
            )
        except ReleaseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Export of {release.version} started.")
            return redirect("curation:release-detail", pk=release.pk)
    releases = Release.objects.all()
    context = {
        "form": form,
        "releases": releases,
        "destination_hint": services.default_destination("VERSION"),
    }
    return render(request, "curation/releases/release_list.html", context)


@role_required()
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    release = get_object_or_404(Release.objects.select_related("run"), pk=pk)
    return render(
        request,
        "curation/releases/release_detail.html",
        {
            "release": release,
            "card": services.published_text(release, "README.md"),
            "withdrawals": release.members.exclude(image__status=ImageStatus.ACCEPTED).count(),
        },
    )


@role_required()
def release_file(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """The release's small text files (card, manifest, items) for a quick look."""
    release = get_object_or_404(Release, pk=pk)
    if name not in {"README.md", "manifest.json", "croissant.json", "probe/items.jsonl"}:
        raise Http404("Only the card, manifest, Croissant metadata and items are shown here.")
    text = services.published_text(release, name)
    if text is None:
        raise Http404("The release has not been published yet.")
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
