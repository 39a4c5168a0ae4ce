"""Croissant 1.0 metadata (croissant.json) for a release: files with sha256, record sets."""

import json

from benchmark.release.card import LICENSE_URL
from benchmark.release.config import ReleaseConfig
from benchmark.release.sink import FileEntry

CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

# (file object id, release path, description) for the JSON Lines files described.
JSONL_FILES = (
    ("probe-items", "probe/items.jsonl", "One framed probe prompt per line."),
    ("probe-metadata", "probe/metadata.jsonl", "One probe image per line."),
    ("probe-image-fields", "probe/image_fields.jsonl", "Ground-truth fields of each probe image."),
    ("memorisation-metadata", "memorisation/metadata.jsonl", "One training example per line."),
    ("memorisation-finetune", "memorisation/finetune.jsonl", "Chat-format fine-tuning examples."),
)
# (record set, file object id, [(column, data type)]).
RECORD_SETS = (
    (
        "probe_items",
        "probe-items",
        [
            ("id", "sc:Text"),
            ("test", "sc:Text"),
            ("framing", "sc:Text"),
            ("scenario", "sc:Text"),
            ("target_type", "sc:Text"),
            ("source", "sc:Text"),
            ("image", "sc:Text"),
            ("prompt", "sc:Text"),
            ("target", "sc:Text"),
            ("identity_id", "sc:Text"),
        ],
    ),
    (
        "memorisation_examples",
        "memorisation-metadata",
        [
            ("file_name", "sc:Text"),
            ("label", "sc:Text"),
            ("identity_id", "sc:Text"),
            ("scenario", "sc:Text"),
            ("source", "sc:Text"),
        ],
    ),
)
MAINTAINERS = {"@type": "sc:Organization", "name": "The MM-Privacy curation maintainers"}
# Croissant's Responsible AI fields that a reader of a privacy benchmark asks about first.
RESPONSIBLE_AI = {
    "rai:dataCollection": (
        "Identities are synthetic (seeded samples of Faker's en_US data). Forms are rendered "
        "from templates or filled in by hand by volunteers and photographed; scenes come "
        "from a diffusion model; every image was accepted by human review."
    ),
    "rai:personalSensitiveInformation": (
        "Synthetic names, email addresses, phone numbers, social security numbers and "
        "addresses only; no real person's data."
    ),
    "rai:dataUseCases": (
        "Measuring disclosure and retention of personal data by multimodal models under five "
        "framings, and testing defences."
    ),
    "rai:dataLimitations": (
        "US-style identities and forms in English only; simulated images, when present, are "
        "counted apart in the dataset card and marked in the metadata."
    ),
}
IMAGE_FORMATS = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def croissant_metadata(
    config: ReleaseConfig, description: str, entries: dict[str, FileEntry], image_sets: set
) -> bytes:
    """`entries` are the finished JSON Lines files by path; `image_sets` the
    (split, suffix) pairs that occur among the images."""
    metadata = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": "MM-Privacy",
        "description": description,
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "license": LICENSE_URL,
        "version": config.version,
        "citeAs": (
            "Unveiling Privacy Risks in Multi-modal Large Language Models: Task-specific "
            "Vulnerabilities and Mitigation Challenges. Findings of ACL 2025."
        ),
        "creator": MAINTAINERS,
        "publisher": MAINTAINERS,
        "keywords": ["privacy", "multimodal", "memorisation", "PII", "benchmark", "synthetic"],
        "inLanguage": "en",
        "isLiveDataset": False,
        **RESPONSIBLE_AI,
        "distribution": _file_objects(entries) + _file_sets(image_sets),
        "recordSet": [_record_set(*record_set) for record_set in RECORD_SETS],
    }
    if config.date:  # the site always dates a release; a library caller may not
        metadata["datePublished"] = config.date
        metadata["dateModified"] = config.date
    return (json.dumps(metadata, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def _file_objects(entries: dict[str, FileEntry]) -> list[dict]:
    return [
        {
            "@type": "cr:FileObject",
            "@id": file_id,
            "name": file_id,
            "description": description,
            "contentUrl": path,
            "contentSize": f"{entries[path].size} B",
            "encodingFormat": "application/jsonlines",
            "sha256": entries[path].sha256,
        }
        for file_id, path, description in JSONL_FILES
    ]


def _file_sets(image_sets: set) -> list[dict]:
    return [
        {
            "@type": "cr:FileSet",
            "@id": f"{split}-images{suffix.replace('.', '-')}",
            "name": f"{split}-images{suffix.replace('.', '-')}",
            "description": f"The {split} split's {suffix} images.",
            "encodingFormat": IMAGE_FORMATS[suffix],
            "includes": f"{split}/images/**/*{suffix}",
        }
        for split, suffix in sorted(image_sets)
    ]


def _record_set(name: str, file_id: str, columns: list[tuple[str, str]]) -> dict:
    return {
        "@type": "cr:RecordSet",
        "@id": name,
        "name": name,
        "field": [
            {
                "@type": "cr:Field",
                "@id": f"{name}/{column}",
                "name": column,
                "dataType": data_type,
                "source": {"fileObject": {"@id": file_id}, "extract": {"column": column}},
            }
            for column, data_type in columns
        ],
    }
