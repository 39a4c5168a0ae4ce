import re
from pathlib import Path

from django import forms
from django.conf import settings

from benchmark import scenes as bscenes
from curation.scenes import services

DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)\Z")
SEED_LIMIT = 2**53 - 1
GENERATION_FIELDS = (
    "model",
    "revision",
    "scheduler",
    "dtype",
    "device",
    "steps",
    "guidance",
    "width",
    "height",
    "batch_size",
)


def _side(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=64,
        max_value=2048,
        help_text="Pixels, a multiple of 8; the paper used 768 (the default) or 1024.",
    )


class SceneRunForm(forms.Form):
    """The settings of a generation run; valid data also yields its plan (`self.plan`)."""

    model = forms.CharField(
        max_length=500,
        help_text="A Hugging Face model id (e.g. stabilityai/sd-turbo) or a local diffusers "
        "folder on the gpu worker.",
    )
    revision = forms.CharField(
        max_length=100, required=False, help_text="Hub branch, tag or commit; blank: main."
    )
    scheduler = forms.CharField(
        max_length=100,
        required=False,
        help_text="A diffusers scheduler class such as EulerDiscreteScheduler; blank: the "
        "model's own.",
    )
    steps = forms.IntegerField(min_value=1, max_value=200)
    guidance = forms.FloatField(
        min_value=0, max_value=30, help_text="0 for sd-turbo; about 7.5 for Stable Diffusion 1.5."
    )
    width = _side("Width")
    height = _side("Height")
    dtype = forms.ChoiceField(choices=[(name, name) for name in bscenes.DTYPES])
    device = forms.CharField(max_length=20, help_text="auto, cuda, cuda:N, mps or cpu.")
    batch_size = forms.IntegerField(
        min_value=1, max_value=64, help_text="Images per pipeline call."
    )
    per_job = forms.IntegerField(
        min_value=1,
        max_value=10_000,
        label="Scenes per job",
        help_text="Each job is one batch on the gpu queue; rounded up to whole pipeline calls.",
    )
    per_cell = forms.IntegerField(min_value=1, max_value=1000, label="Scenes per cell")
    seed = forms.IntegerField(min_value=0, max_value=SEED_LIMIT)
    grid = forms.ChoiceField(
        required=False,
        label="Grid file",
        help_text="A prompt grid from the server's grid folder; blank: the bundled one.",
    )
    grid_file = forms.FileField(
        required=False,
        label="Or upload a grid",
        help_text="A prompt-grid JSON file; used instead of the choice above.",
    )
    # An uploaded grid's text, carried from the preview to the start button.
    grid_text = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)

    def __init__(self, *args, server_grid_path: str = "", **kwargs):
        """`server_grid_path`: a grid file named by someone at the server (the
        generate_scenes command), never by a request."""
        super().__init__(*args, **kwargs)
        self.server_grid_path = server_grid_path
        self.fields["grid"].choices = [("", "the bundled grid")] + [
            (path.name, path.name) for path in _folder_grids()
        ]

    @staticmethod
    def defaults() -> dict:
        return {
            "model": settings.SCENES_MODEL,
            "steps": bscenes.DEFAULT_STEPS,
            "guidance": bscenes.DEFAULT_GUIDANCE,
            "width": bscenes.DEFAULT_SIZE,
            "height": bscenes.DEFAULT_SIZE,
            "dtype": "auto",
            "device": settings.SCENES_DEVICE,
            "batch_size": 4,
            "per_job": 32,
            "per_cell": 1,
            "seed": 0,
        }

    def clean_width(self):
        return self._multiple_of_8("width")

    def clean_height(self):
        return self._multiple_of_8("height")

    def clean_device(self):
        device = self.cleaned_data["device"].strip()
        if not DEVICE_PATTERN.match(device):
            raise forms.ValidationError("Use auto, cuda, cuda:N (e.g. cuda:1), mps or cpu.")
        return device

    def clean_grid_file(self):
        upload = self.cleaned_data["grid_file"]
        if upload is None:
            return None
        limit = settings.SCENE_GRID_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"A grid file may be at most {limit // 1024} KiB.")
        try:
            return upload.read(limit + 1).decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError("The grid file is not UTF-8 text.") from None

    def clean_grid_text(self):
        text = self.cleaned_data["grid_text"]
        if len(text.encode("utf-8")) > settings.SCENE_GRID_MAX_BYTES:
            raise forms.ValidationError("The uploaded grid is too large; upload a smaller one.")
        return text

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        cleaned["grid_text"] = cleaned.get("grid_file") or cleaned["grid_text"]
        try:
            self.plan = services.scene_plan(
                grid_path=self.server_grid_path or _grid_path(cleaned["grid"]),
                grid_text=cleaned["grid_text"] or None,
                per_cell=cleaned["per_cell"],
                per_job=cleaned["per_job"],
                seed=cleaned["seed"],
                batch_size=cleaned["batch_size"],
            )
        except ValueError as error:
            self.add_error("grid", str(error))
        return cleaned

    @property
    def uploaded_grid(self) -> str:
        """The uploaded grid's text, for the start form to send again."""
        return getattr(self, "cleaned_data", {}).get("grid_text") or ""

    def generation_settings(self) -> dict:
        return {name: self.cleaned_data[name] for name in GENERATION_FIELDS}

    def _multiple_of_8(self, name: str) -> int:
        value = self.cleaned_data[name]
        if value % 8:
            raise forms.ValidationError(f"Use a multiple of 8, e.g. {value - value % 8}.")
        return value


def _folder_grids() -> list[Path]:
    """The grid files of the folder settings name: regular files only, never a device or
    a pipe, and none over the size limit."""
    folder = settings.SCENE_GRIDS_DIR
    if not folder:
        return []
    limit = settings.SCENE_GRID_MAX_BYTES
    return sorted(
        path
        for path in Path(folder).glob("*.json")
        if path.is_file() and path.stat().st_size <= limit
    )


def _grid_path(name: str) -> Path | None:
    """The chosen grid's path; `name` is one of the choices, so always inside the folder."""
    return Path(settings.SCENE_GRIDS_DIR) / name if name else None
