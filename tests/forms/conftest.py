import numpy as np
import pytest

from benchmark.forms import render_form
from benchmark.identities import make_pools
from benchmark.vocab import carries_target_type


@pytest.fixture(scope="session")
def people():
    return make_pools(0, 40, seed=21).probe


@pytest.fixture(scope="session")
def person(people):
    return people[0]


@pytest.fixture(scope="session")
def ink_outside_boxes():
    return _ink_outside_boxes


@pytest.fixture(scope="session")
def render():
    return _render


def _ink_outside_boxes(form, blank) -> int:
    """How many pixels differ from the blank form outside every field's box."""
    changed = np.any(np.asarray(form.image) != np.asarray(blank.image), axis=2)
    for field in form.fields:
        x0, y0, x1, y1 = field.box
        changed[max(y0, 0) : y1 + 1, max(x0, 0) : x1 + 1] = False
    return int(changed.sum())


def _render(identity, scenario, variant, **options):
    """render_form with the open scenario's target type defaulting to email."""
    target = options.pop("target_type", "email" if carries_target_type(scenario) else None)
    return render_form(identity, scenario, variant, target_type=target, **options)
