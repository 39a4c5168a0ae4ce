"""Loading a diffusers text-to-image pipeline: the one place that talks to diffusers' loader.

torch and diffusers are imported inside the functions, so `benchmark.scenes` stays cheap to import
for code that only needs the prompt grid.
"""

import gc
import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "stabilityai/sd-turbo"
DEMO_MARKER = "mmprivacy_demo_model.json"
DTYPES = ("auto", "float16", "bfloat16", "float32")
CONFIGURE_HINT = (
    "set SCENES_MODEL (or --model) to a local diffusers pipeline folder "
    "or to a Hugging Face model id that is already downloaded"
)


class PipelineLoadError(Exception):
    """The pipeline cannot be loaded; the message is one sentence saying why and what to do."""


@dataclass
class LoadedPipeline:
    """A pipeline on its device plus what provenance needs to name it exactly.

    `revision` is the hub commit for a hub id (None for a local folder); `model_hash` is the
    content hash of a local folder (None for a hub id). `simulated` marks a random-weight demo
    model built by `build_tiny_pipeline`.
    """

    pipe: Any
    model: str
    revision: str | None
    model_hash: str | None
    device: str
    dtype: str
    scheduler_name: str
    simulated: bool

    def close(self) -> None:
        """Drop the pipeline and hand its GPU memory back."""
        self.pipe = None
        release_device_memory(self.device)


def load_pipeline(
    model: str,
    *,
    revision: str | None = None,
    scheduler: str | None = None,
    dtype: str = "auto",
    device: str = "auto",
) -> LoadedPipeline:
    """Load `model` (a hub id or a local folder) with `DiffusionPipeline.from_pretrained`.

    Every failure raises PipelineLoadError with one sentence that names the model.
    """
    try:
        chosen_device = resolve_device(device)
        chosen_dtype = resolve_dtype(dtype, chosen_device)
        scheduler_class = _scheduler_class(scheduler) if scheduler else None
    except PipelineLoadError as error:
        raise PipelineLoadError(f"Cannot load the diffusion model {model!r}: {error}.") from None
    try:
        folder, commit, model_hash = _locate(model, revision or None)
    except PipelineLoadError as error:
        raise PipelineLoadError(_sentence(model, str(error))) from None
    try:
        pipe = _from_pretrained(folder, chosen_dtype, scheduler_class, chosen_device)
    except Exception as error:
        release_device_memory(chosen_device)
        raise PipelineLoadError(_sentence(model, _describe(error, chosen_device))) from error
    return LoadedPipeline(
        pipe=pipe,
        model=model,
        revision=commit,
        model_hash=model_hash,
        device=chosen_device,
        dtype=chosen_dtype,
        scheduler_name=type(pipe.scheduler).__name__,
        simulated=(folder / DEMO_MARKER).is_file(),
    )


def resolve_device(device: str = "auto") -> str:
    """The device to use: auto picks cuda, then mps, then cpu; an explicit one must exist."""
    import torch

    mps_available = torch.backends.mps.is_available()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "mps" if mps_available else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise PipelineLoadError(
            f"this machine has no CUDA GPU for device {device!r}; use auto or cpu"
        )
    if device == "mps" and not mps_available:
        raise PipelineLoadError("this machine has no MPS backend for device 'mps'; use auto or cpu")
    if not (device == "cpu" or device == "mps" or device.startswith("cuda")):
        raise PipelineLoadError(f"device {device!r} is not one of auto, cuda, cuda:N, mps, cpu")
    return device


def resolve_dtype(dtype: str, device: str) -> str:
    """The dtype to use: auto is float16 on CUDA (fast, half the memory), else float32."""
    if dtype not in DTYPES:
        raise PipelineLoadError(f"dtype {dtype!r} is not one of {', '.join(DTYPES)}")
    if dtype == "auto":
        return "float16" if device.startswith("cuda") else "float32"
    return dtype


def release_device_memory(device: str) -> None:
    """Collect dropped tensors and hand CUDA's cached blocks back (after close or a failure)."""
    import torch

    gc.collect()
    if device.startswith("cuda") and torch.cuda.is_available():
        torch.cuda.empty_cache()


def folder_hash(folder: str | Path) -> str:
    """sha256 over every file's relative path and contents; hidden files (caches) are skipped."""
    root = Path(folder)
    total = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        total.update(relative.as_posix().encode() + b"\0")
        total.update(_file_digest(path) + b"\n")
    return "sha256:" + total.hexdigest()


class PipelineCache:
    """Keeps one loaded pipeline per process and reuses it while the same model and options are
    asked for; asking for another model closes the old one first, so GPU memory holds one.

    A worker must run jobs in its own process for the reuse to last (RQ: `SimpleWorker`; the
    default forking worker would load once per job and cannot use CUDA after a fork).
    """

    def __init__(self) -> None:
        self.loads = 0
        self._key: tuple | None = None
        self._loaded: LoadedPipeline | None = None
        self._lock = threading.Lock()

    def get(self, model: str, **options) -> LoadedPipeline:
        """The pipeline for `model` and `options` (as `load_pipeline` takes), loading if needed."""
        key = (model, tuple(sorted(options.items())))
        with self._lock:
            if self._loaded is None or self._key != key:
                self._close_current()
                self._loaded = load_pipeline(model, **options)
                self._key = key
                self.loads += 1
            return self._loaded

    def close(self) -> None:
        with self._lock:
            self._close_current()

    def _close_current(self) -> None:
        if self._loaded is not None:
            self._loaded.close()
        self._loaded = None
        self._key = None


def _locate(model: str, revision: str | None) -> tuple[Path, str | None, str | None]:
    """The local folder to load from, the hub commit (hub ids) and the content hash (folders)."""
    if _looks_local(model):
        folder = Path(model).expanduser()
        if revision is not None:
            raise PipelineLoadError("a revision applies to hub ids, not to a local folder")
        if not folder.is_dir():
            raise PipelineLoadError("that folder does not exist")
        if not (folder / "model_index.json").is_file():
            raise PipelineLoadError("that folder has no model_index.json, so it is not a pipeline")
        return folder, None, folder_hash(folder)
    folder = _download(model, revision)
    commit = folder.name if folder.parent.name == "snapshots" else revision
    return folder, commit, None


def _looks_local(model: str) -> bool:
    # A hub id is "name" or "owner/name"; anything else that names a path is a folder.
    return Path(model).expanduser().exists() or model.startswith(("/", ".", "~")) or "\\" in model


def _download(model: str, revision: str | None) -> Path:
    """Resolve a hub id to its cached snapshot (fetching it only when online and allowed)."""
    import huggingface_hub.errors
    from diffusers import DiffusionPipeline

    try:
        return Path(DiffusionPipeline.download(model, revision=revision))
    except huggingface_hub.errors.HFValidationError:
        raise PipelineLoadError("that is neither an existing folder nor a valid hub id") from None
    except (huggingface_hub.errors.RepositoryNotFoundError, huggingface_hub.errors.GatedRepoError):
        raise PipelineLoadError("the hub has no such model, or it is private or gated") from None
    except huggingface_hub.errors.RevisionNotFoundError:
        raise PipelineLoadError(f"the hub model has no revision {revision!r}") from None
    except Exception as error:
        if huggingface_hub.is_offline_mode():
            raise PipelineLoadError(
                "it is not in the local Hugging Face cache and offline mode (HF_HUB_OFFLINE) is on"
            ) from None
        raise PipelineLoadError(
            f"it could not be fetched from the hub ({_first_line(error)})"
        ) from None


def _from_pretrained(folder: Path, dtype: str, scheduler_class: type | None, device: str):
    import torch
    from diffusers import DiffusionPipeline

    pipe = DiffusionPipeline.from_pretrained(
        folder,
        dtype=getattr(torch, dtype),
        # Without accelerate, diffusers warns and falls back; asking for the fallback is quieter.
        low_cpu_mem_usage=importlib.util.find_spec("accelerate") is not None,
    )
    if scheduler_class is not None:
        pipe.scheduler = scheduler_class.from_config(pipe.scheduler.config)
    pipe = pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _scheduler_class(name: str):
    import diffusers

    found = getattr(diffusers, name, None)
    if not (isinstance(found, type) and issubclass(found, diffusers.SchedulerMixin)):
        raise PipelineLoadError(
            f"{name!r} is not a diffusers scheduler class such as EulerDiscreteScheduler"
        )
    return found


def _describe(error: Exception, device: str) -> str:
    import torch

    if isinstance(error, torch.OutOfMemoryError | MemoryError):
        return f"there is not enough memory on {device} to hold it (try a smaller model or dtype)"
    return f"{type(error).__name__}: {_first_line(error)}"


def _sentence(model: str, reason: str) -> str:
    return f"Cannot load the diffusion model {model!r}: {reason}; {CONFIGURE_HINT}."


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0].rstrip(".") if lines else "no details"


def _file_digest(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.digest()
