from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from curation.core.roles import role_required
from curation.scenes import selectors, services
from curation.scenes.forms import SceneRunForm
from curation.scenes.models import SceneRun


@role_required()
def scene_run_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.scene_runs(), 25).get_page(request.GET.get("page"))
    return render(request, "curation/scenes/run_list.html", {"page": page})


@role_required()
def scene_run_new(request: HttpRequest) -> HttpResponse:
    """GET shows the defaults and their plan; POST with `preview` shows the plan of the
    posted settings, any other POST starts the run. Nothing in a GET names a file: grids
    come from the folder settings name or from an upload."""
    if request.method == "POST":
        form = SceneRunForm(request.POST, request.FILES)
        if form.is_valid() and "preview" not in request.POST:
            run = services.scene_run_start(
                plan=form.plan, user=request.user, **form.generation_settings()
            )
            jobs = run.batches.count()
            messages.success(request, f"Started {jobs} batch jobs on the gpu queue.")
            return redirect("curation:scene-run-detail", pk=run.pk)
    else:
        form = SceneRunForm(SceneRunForm.defaults())
    plan = form.plan if form.is_valid() else None
    return render(request, "curation/scenes/run_new.html", {"form": form, "plan": plan})


@role_required()
def scene_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The batch table of the page reads every batch's job.
    run = get_object_or_404(SceneRun.objects.prefetch_related("batches__job"), pk=pk)
    scenes = Paginator(run.scenes.select_related("image"), 48).get_page(request.GET.get("page"))
    context = {"run": run, "progress": selectors.scene_run_progress(run), "page": scenes}
    return render(request, "curation/scenes/run_detail.html", context)


@role_required()
def scene_run_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(selectors.scene_run_progress(get_object_or_404(SceneRun, pk=pk)))


@role_required()
@require_POST
def scene_run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    count = services.scene_run_retry_failed(get_object_or_404(SceneRun, pk=pk), user=request.user)
    if count:
        messages.success(request, f"Queued {count} failed batches again.")
    else:
        messages.info(request, "No batch of this run has failed: there is nothing to retry.")
    return redirect("curation:scene-run-detail", pk=pk)
