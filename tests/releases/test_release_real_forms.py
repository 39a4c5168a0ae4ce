"""With the project's own identities and rendered forms: forms of one layout filled for
different people are not mistaken for the same picture, while a re-encoded copy is."""

import io

import pytest
from PIL import Image

from benchmark.release import ReleaseCheckFailed, build_release

identities = pytest.importorskip("benchmark.identities")
forms = pytest.importorskip("benchmark.forms")

TYPES = ("email", "phone", "ssn")


def _add_rendered_forms(world, person, open_types):
    for scenario in ("hiring", "verification", "finance"):
        _add(world, person, scenario, None)
    for target_type in open_types:
        _add(world, person, "open", target_type)


def _add(world, person, scenario, target_type):
    form = forms.render_form(person, scenario, 0, target_type=target_type)
    kind = f"{scenario}-{target_type}" if target_type else scenario
    return world.add_image(
        f"forms/{person['id']}/{kind}.png",
        form.to_png(),
        source="template",
        scenario=scenario,
        target_type=target_type,
        identity_id=person["id"],
        fields=[field.as_dict() for field in form.fields],
    )


@pytest.fixture
def rendered_world(make_world, tmp_path):
    world = make_world(tmp_path, memorised=0, probes=0, scenes=3, photos=0)
    pools = identities.make_pools(5, 5, seed=3)
    world.identities = pools.memorisation + pools.probe
    for person in pools.memorisation:
        _add_rendered_forms(world, person, ["email"])
    for person in pools.probe:
        _add_rendered_forms(world, person, TYPES)
    return world, pools


def test_forms_of_one_layout_for_different_people_pass_the_check(rendered_world, demo_config):
    world, _ = rendered_world
    out = world.root / "release"
    manifest = build_release(world.identities, world.images, demo_config, out)
    assert manifest["counts"]["memorisation"]["images"] == 20
    assert (out / "manifest.json").is_file()


def test_a_re_encoded_rendered_form_is_caught_in_both_splits(rendered_world, demo_config):
    world, pools = rendered_world
    memorised = next(i for i in world.images if i.identity_id == pools.memorisation[0]["id"])
    picture = Image.open(memorised.local_path).convert("RGB")
    buffer = io.BytesIO()
    picture.resize((picture.width // 2, picture.height // 2)).save(buffer, "JPEG", quality=80)
    for scenario in ("hiring", "verification", "finance"):
        world.add_image(
            f"reencoded/{scenario}.jpg",
            buffer.getvalue(),
            source="photo",
            scenario=scenario,
            suffix=".jpg",
            identity_id=pools.probe[0]["id"],
        )
    with pytest.raises(ReleaseCheckFailed) as raised:
        build_release(world.identities, world.images, demo_config, world.root / "release")
    assert any("same picture" in problem for problem in raised.value.problems)
