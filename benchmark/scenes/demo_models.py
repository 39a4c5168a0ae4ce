"""Random-weight Stable-Diffusion-style pipelines built from configs, for tests, demo and perf.

They are saved with `save_pretrained` and loaded back through `load_pipeline`, the same
`from_pretrained` path a real model takes. A marker file says they are simulated, so their
scenes are labelled as such in provenance. Nothing is downloaded.
"""

import json
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

from benchmark.files import staged_folder
from benchmark.scenes.grid import DEFAULT_GRID_PATH
from benchmark.scenes.pipeline import DEMO_MARKER

TINY = {
    "unet": {
        "sample_size": 8,
        "block_out_channels": (8, 16),
        "layers_per_block": 1,
        "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D"),
        "up_block_types": ("CrossAttnUpBlock2D", "UpBlock2D"),
        "cross_attention_dim": 16,
        "attention_head_dim": 4,
        "norm_num_groups": 4,
    },
    # Four blocks give the usual 8x latent scale; fewer would make the UNet run on 4-16x more
    # latent pixels and generation many times slower.
    "vae": {
        "sample_size": 64,
        "block_out_channels": (8, 8, 8, 8),
        "layers_per_block": 1,
        "norm_num_groups": 4,
    },
    "text_encoder": {
        "hidden_size": 16,
        "intermediate_size": 32,
        "num_attention_heads": 2,
        "num_hidden_layers": 2,
        "projection_dim": 16,
    },
    "scheduler": ("EulerDiscreteScheduler", {"timestep_spacing": "trailing"}),
}

# Stable Diffusion 1.5's architecture (sizes only; the weights stay random).
SD15 = {
    "unet": {
        "sample_size": 64,
        "block_out_channels": (320, 640, 1280, 1280),
        "layers_per_block": 2,
        "down_block_types": ("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
        "up_block_types": ("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
        "cross_attention_dim": 768,
        "attention_head_dim": 8,
        "norm_num_groups": 32,
    },
    "vae": {
        "sample_size": 512,
        "block_out_channels": (128, 256, 512, 512),
        "layers_per_block": 2,
        "norm_num_groups": 32,
    },
    "text_encoder": {
        "hidden_size": 768,
        "intermediate_size": 3072,
        "num_attention_heads": 12,
        "num_hidden_layers": 12,
        "projection_dim": 768,
        "vocab_size": 49408,
        "hidden_act": "quick_gelu",
    },
    "scheduler": ("PNDMScheduler", {"skip_prk_steps": True}),
}

ARCHITECTURES = {"tiny": TINY, "sd15": SD15}


def build_tiny_pipeline(path: str | Path) -> Path:
    """A tiny random-weight pipeline (about 0.5 MB) at `path`; 64 px images take milliseconds."""
    return build_random_pipeline(path, "tiny")


def build_random_pipeline(path: str | Path, architecture: str = "tiny", seed: int = 0) -> Path:
    """Build, save and mark a random-weight pipeline; the same arguments give the same files.

    An existing folder is replaced only when it is empty or is itself a demo model.
    """
    import torch

    target = Path(path)
    _check_replaceable(target)
    config = ARCHITECTURES[architecture]
    with staged_folder(target) as staging:
        # A private RNG keeps the weights reproducible without disturbing the caller's RNG.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            pipe = _assemble(config)
        pipe.save_pretrained(staging)
        marker = {"architecture": architecture, "seed": seed, "weights": "random"}
        (staging / DEMO_MARKER).write_text(json.dumps(marker, sort_keys=True) + "\n")
        _check_replaceable(target)
    return target


def _check_replaceable(target: Path) -> None:
    if target.is_dir() and any(target.iterdir()) and not (target / DEMO_MARKER).is_file():
        raise ValueError(f"{target} holds other files; give an empty or new folder for the model")
    if target.exists() and not target.is_dir():
        raise ValueError(f"{target} is a file; give an empty or new folder for the model")


def _assemble(config: dict):
    import diffusers
    from diffusers import AutoencoderKL, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    tokenizer = _byte_level_tokenizer()
    text_config = {"vocab_size": len(tokenizer), **config["text_encoder"]}
    scheduler_name, scheduler_options = config["scheduler"]
    scheduler = getattr(diffusers, scheduler_name)(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        steps_offset=1,
        **scheduler_options,
    )
    vae_blocks = len(config["vae"]["block_out_channels"])
    return StableDiffusionPipeline(
        vae=AutoencoderKL(
            down_block_types=("DownEncoderBlock2D",) * vae_blocks,
            up_block_types=("UpDecoderBlock2D",) * vae_blocks,
            latent_channels=4,
            **config["vae"],
        ),
        text_encoder=CLIPTextModel(
            CLIPTextConfig(
                max_position_embeddings=77,
                bos_token_id=tokenizer.bos_token_id,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.pad_token_id,
                **text_config,
            )
        ),
        tokenizer=tokenizer,
        unet=UNet2DConditionModel(in_channels=4, out_channels=4, **config["unet"]),
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def _byte_level_tokenizer():
    """A CLIP tokenizer over the 256 byte symbols plus merges that make each word of the bundled
    grid one token, so its prompts fit CLIP's 77 tokens; other words are spelt out in pieces.
    """
    from tokenizers.pre_tokenizers import ByteLevel
    from transformers import CLIPTokenizer

    symbols = sorted(ByteLevel.alphabet())
    words = sorted(set(re.findall(r"[a-z]+", DEFAULT_GRID_PATH.read_text().lower())))
    merges = _learn_merges(words)
    merged = ["".join(pair) for pair in merges]
    tokens = ["<|startoftext|>", "<|endoftext|>", *symbols, *(s + "</w>" for s in symbols)]
    vocab = {token: number for number, token in enumerate(dict.fromkeys(tokens + merged))}
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=77)


def _learn_merges(words: list[str]) -> list[tuple[str, str]]:
    """Byte-pair merges learnt from `words` until each word is one token.

    Learnt the way BPE trains (most frequent pair first, ties by sort order), so encoding replays
    them consistently; merges written word by word would fight over shared pairs.
    """
    pieces = [[*word[:-1], word[-1] + "</w>"] for word in words]
    merges = []
    while pairs := Counter(pair for parts in pieces for pair in pairwise(parts)):
        best = min(pairs, key=lambda pair: (-pairs[pair], pair))
        merges.append(best)
        pieces = [_merge_pair(parts, best) for parts in pieces]
    return merges


def _merge_pair(parts: list[str], pair: tuple[str, str]) -> list[str]:
    merged, index = [], 0
    while index < len(parts):
        if tuple(parts[index : index + 2]) == pair:
            merged.append(parts[index] + parts[index + 1])
            index += 2
        else:
            merged.append(parts[index])
            index += 1
    return merged
