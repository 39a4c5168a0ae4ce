"""Machine readings for test records and images, without running OCR: what
`benchmark.reading.read_check` returns when it reads every expected value (or none).

Only the tests whose subject is reading call the OCR engine; every other test gives its
images a reading from here, so the release rule (legible targets, PII-free scenes) holds.
"""

from benchmark.vocab import TARGET_TYPES

ENGINE = "test-stand-in"


def reading(expected=(), *, legible: bool = True, pii_like=()) -> dict:
    """A reading of `expected` [(type, value)] pairs, all read (or none, legible=False)."""
    return {
        "engine": ENGINE,
        "expected": [
            {
                "type": kind,
                "value": value,
                "legible": legible,
                "read": value if legible else "",
                "confidence": 0.99 if legible else 0.0,
            }
            for kind, value in expected
        ],
        "pii_like": [dict(found) for found in pii_like],
    }


def reading_of_fields(fields: list[dict], *, legible: bool = True) -> dict:
    """Every target value typed in `fields` read (or not)."""
    pairs = [
        (field["name"], str(field["value"]))
        for field in fields
        if field.get("name") in TARGET_TYPES and field.get("value")
    ]
    return reading(pairs, legible=legible)


def reading_of_identity(identity: dict, target_types=TARGET_TYPES) -> dict:
    """A photo without fields: what its volunteer copied from the identity, read."""
    return reading([(kind, identity[kind]) for kind in target_types if identity.get(kind)])
