from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from benchmark.scoring import OUTCOMES
from curation.core import storage
from curation.core.roles import role_required
from curation.scoring import selectors, services
from curation.scoring.forms import CompareForm, ResponsesUploadForm
from curation.scoring.models import ResponseSet

CONTENT_TYPES = {
    ".png": "image/png",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}


@role_required()
def scoring_list(request: HttpRequest) -> HttpResponse:
    form = ResponsesUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            response_set = services.response_set_upload(
                release=form.cleaned_data["release"],
                data=form.file_bytes(),
                filename=upload.name,
                user=request.user,
                provenance=form.provenance_bytes(),
                **form.judge(),
            )
        except services.UploadRefused as refused:
            form.add_error("file", str(refused))
        else:
            messages.success(request, f"Scoring {response_set.model_name} started.")
            return redirect("curation:scoring-detail", pk=response_set.pk)
    response_sets = ResponseSet.objects.select_related("release").defer("rows", "outputs")
    return render(
        request,
        "curation/scoring/list.html",
        {"form": form, "response_sets": response_sets},
        status=400 if form.errors else 200,
    )


@role_required()
def scoring_detail(request: HttpRequest, pk: int) -> HttpResponse:
    response_set = get_object_or_404(ResponseSet.objects.select_related("release", "run"), pk=pk)
    rows = response_set.rows
    return render(
        request,
        "curation/scoring/detail.html",
        {
            "response_set": response_set,
            "headline": selectors.headline(rows),
            "breakdowns": selectors.breakdowns(rows),
            "downloads": [
                name for name in response_set.outputs if name not in response_set.heatmaps
            ],
            "grids": selectors.heatmap_grids(rows),
        },
    )


@role_required()
def scoring_cell(request: HttpRequest, pk: int) -> HttpResponse:
    """The responses behind one table or heatmap cell, with their evidence marked."""
    response_set = get_object_or_404(ResponseSet.objects.select_related("release"), pk=pk)
    cell = selectors.cell_from_query(request.GET)
    outcome = request.GET.get("outcome", "")
    try:
        verdicts = services.cell_verdicts(response_set, cell, outcome)
    except services.VerdictsUnavailable as missing:
        raise Http404(str(missing)) from None
    return render(
        request,
        "curation/scoring/cell.html",
        {
            "response_set": response_set,
            "cell": cell,
            "outcome": outcome,
            "outcomes": OUTCOMES,
            "verdicts": verdicts,
        },
    )


@role_required()
def scoring_file(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """A stored output of the scoring (heatmap, summary, report), for maintainers only."""
    response_set = get_object_or_404(ResponseSet.objects.select_related("release"), pk=pk)
    stored = response_set.outputs.get(name)
    if stored is None:
        raise Http404("This response set has no such output.")
    suffix = name[name.rfind(".") :]
    response = HttpResponse(
        storage.read_bytes(stored), content_type=CONTENT_TYPES.get(suffix, "text/plain")
    )
    if suffix != ".png":
        download = f"{response_set.model_name}-{response_set.release.version}-{name}"
        response["Content-Disposition"] = f'attachment; filename="{_safe_filename(download)}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _safe_filename(name: str) -> str:
    return "".join(char if char.isalnum() or char in "._-" else "_" for char in name)


@role_required()
def scoring_compare(request: HttpRequest) -> HttpResponse:
    form = CompareForm(request.GET or None)
    chosen = list(form.cleaned_data["sets"]) if form.is_valid() else []
    return render(
        request,
        "curation/scoring/compare.html",
        {
            "form": form,
            "chosen": chosen,
            "labels": selectors.column_labels(chosen),
            "tables": selectors.comparison(chosen),
            "ranking": selectors.common_ranking(chosen),
        },
    )
