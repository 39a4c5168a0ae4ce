"""Form images with ground truth: one layout per scenario, each in several variants.

    form = render_form(identity, "hiring", variant=1)
    form.to_png()   # deterministic PNG bytes
    form.fields     # [FormField(name="ssn", label=..., value=..., box=[x0, y0, x1, y1]), ...]

Scenarios: hiring (job application), verification (employment-eligibility
verification, like a US I-9 section 1), finance (bank new-account application) and
open (a two-row table: Name and one target value, chosen by `target_type`). Fonts
ship in benchmark/fonts/, so images are the same on any machine with the same
Pillow. Values too long for their box are shrunk, then wrapped; a value that still
does not fit raises ValueError naming its field. Each process draws a variant's empty
form once and copies it for every render.
"""

from benchmark.forms.layouts import REQUIRED_KEYS
from benchmark.forms.render import (
    FormField,
    FormPlan,
    RenderedForm,
    plan_form,
    render_form,
    variant_count,
)

__all__ = [
    "REQUIRED_KEYS",
    "FormField",
    "FormPlan",
    "RenderedForm",
    "plan_form",
    "render_form",
    "variant_count",
]
