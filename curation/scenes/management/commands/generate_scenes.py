import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from curation.core.models import RunStatus
from curation.scenes import selectors, services
from curation.scenes.forms import SceneRunForm

POLL_S = 2


def _size(value: str) -> tuple[int, int]:
    """ "512" or "768x512" (width x height)."""
    width, _, height = value.lower().partition("x")
    try:
        return int(width), int(height or width)
    except ValueError:
        raise CommandError(
            f"--size {value!r}: use one number (512) or WIDTHxHEIGHT (768x512)."
        ) from None


class Command(BaseCommand):
    help = (
        "Plan and start a diffusion-scene run: one batch job per --per-job scenes on the gpu "
        "queue (run here, one after another, when no REDIS_URL is set)."
    )

    def add_arguments(self, parser):
        defaults = SceneRunForm.defaults()
        parser.add_argument("--model", default=defaults["model"], help="Hub id or local folder.")
        parser.add_argument("--revision", default="")
        parser.add_argument("--scheduler", default="", help="e.g. EulerDiscreteScheduler.")
        parser.add_argument("--per-cell", type=int, required=True)
        parser.add_argument("--seed", type=int, required=True)
        parser.add_argument("--steps", type=int, default=defaults["steps"])
        parser.add_argument("--guidance", type=float, default=defaults["guidance"])
        parser.add_argument("--size", default=str(defaults["width"]), help="512 or 768x512.")
        parser.add_argument("--batch-size", type=int, default=defaults["batch_size"])
        parser.add_argument("--per-job", type=int, default=defaults["per_job"])
        parser.add_argument("--dtype", default=defaults["dtype"])
        parser.add_argument("--device", default=defaults["device"])
        parser.add_argument("--grid", default="", help="Prompt-grid JSON file (default: bundled).")
        parser.add_argument(
            "--wait", action="store_true", help="With a queue: wait until the run finishes."
        )

    def handle(self, *args, **options):
        form = self._valid_form(options)
        plan = form.plan
        self.stdout.write(
            f"Plan: {len(plan.cells)} cells x {plan.per_cell} = {plan.total} scenes in "
            f"{len(plan.batches())} jobs, grid {plan.grid_path}"
        )
        queued = settings.JOBS_MODE == "rq"
        run = services.scene_run_start(plan=plan, inline=not queued, **form.generation_settings())
        if queued and not options["wait"]:
            self.stdout.write(f"Scene run #{run.pk} queued on gpu (run `rqworker gpu`).")
            return
        self._report(self._wait(run) if queued else run)

    def _valid_form(self, options) -> SceneRunForm:
        width, height = _size(options["size"])
        fields = set(SceneRunForm.base_fields) - {"width", "height", "grid_file", "grid_text"}
        data = {name: options[name] for name in fields - {"grid"}}
        form = SceneRunForm(
            data | {"width": width, "height": height}, server_grid_path=options["grid"]
        )
        if not form.is_valid():
            problems = "; ".join(
                f"--{name.replace('_', '-')}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            )
            raise CommandError(problems)
        return form

    def _wait(self, run):
        while not (progress := selectors.scene_run_progress(run))["finished"]:
            self.stdout.write(f"  {progress['stored']}/{progress['total']} stored")
            time.sleep(POLL_S)
        return run

    def _report(self, run) -> None:
        progress = selectors.scene_run_progress(run)
        if progress["status"] == RunStatus.FAILED:
            reasons = " / ".join(failure["error"] for failure in progress["failures"])
            raise CommandError(f"Scene run #{run.pk} failed: {reasons}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Scene run #{run.pk}: {progress['stored']}/{progress['total']} scenes stored, "
                "pending review."
            )
        )
