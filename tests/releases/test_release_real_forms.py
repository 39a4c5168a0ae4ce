"""With the project's own identities and rendered forms: forms of one layout filled for
different people are not mistaken for the same picture, while a re-encoded copy is."""

import io

import pytest
from PIL import Image

from benchmark import forms, identities, release_check
from benchmark.release import ReleaseCheckFailed, build_release
from benchmark.vocab import TARGET_TYPES


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
        _add_rendered_forms(world, person, TARGET_TYPES)
    return world, pools


def test_forms_of_one_layout_for_different_people_pass_the_check(rendered_world, every_form_config):
    world, _ = rendered_world
    out = world.root / "release"
    manifest = build_release(world.identities, world.images, every_form_config, out)
    assert manifest["counts"]["memorisation"]["images"] == 20
    assert (out / "manifest.json").is_file()


def test_a_re_encoded_rendered_form_is_caught_in_both_splits(rendered_world, every_form_config):
    world, pools = rendered_world
    memorised = next(i for i in world.images if i.identity_id == pools.memorisation[0]["id"])
    picture = Image.open(memorised.local_path).convert("RGB")
    half = picture.resize((picture.width // 2, picture.height // 2))
    problems = _refused_with_photos_of(world, pools, every_form_config, half, quality=80)
    assert any("same picture" in problem for problem in problems)


def _refused_with_photos_of(world, pools, config, picture, quality) -> list[str]:
    """Add `picture` re-encoded as a JPEG photo of a probe person in three scenarios;
    the export must be refused: its problems."""
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
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
        build_release(world.identities, world.images, config, world.root / "release")
    return raised.value.problems


@pytest.fixture
def crowded_world(make_world, tmp_path):
    """Enough people per layout that some pairs share a thumbnail almost exactly (the
    demo's seed_demo data was refused by a thumbnail-only comparison)."""
    world = make_world(tmp_path, memorised=0, probes=0, scenes=3, photos=0)
    pools = identities.make_pools(12, 12, seed=7)
    world.identities = pools.memorisation + pools.probe
    for person in pools.memorisation:
        _add_rendered_forms(world, person, TARGET_TYPES)
    for person in pools.probe:
        _add_rendered_forms(world, person, TARGET_TYPES)
    return world, pools


def test_the_closest_forms_of_two_people_are_not_the_same_picture(crowded_world, every_form_config):
    """A probe person's form whose dHash and thumbnail are as close to a memorised
    person's form as a re-encoded copy would be (the trap that refused the demo's data)
    goes in as a photo; the check must still tell them apart."""
    world, pools = crowded_world
    person, memorised, probe_form = _closest_pair(pools)
    world.add_image(
        "near/template.png",
        memorised.to_png(),
        source="template",
        scenario=memorised.scenario,
        identity_id=person["id"],
        fields=[field.as_dict() for field in memorised.fields],
    )
    world.add_image(
        "near/photo.png",
        probe_form.to_png(),
        source="photo",
        scenario=probe_form.scenario,
        identity_id=pools.probe[0]["id"],
    )
    out = world.root / "release"
    build_release(world.identities, world.images, every_form_config, out)
    assert (out / "probe" / "images" / "photo" / "near-photo.png").is_file()
    assert memorised.to_png() in [path.read_bytes() for path in out.rglob("*.png")]


def _closest_pair(pools):
    """The memorised form and another person's form of the same layout that come closest
    by thumbnail among those within a copy's dHash distance; both within what a copy
    could be."""
    best = (255, None, None, None)
    for scenario in ("hiring", "verification", "finance"):
        for variant in range(forms.variant_count(scenario)):
            memorised = [
                (person, *_coarse(forms.render_form(person, scenario, variant)))
                for person in pools.memorisation
            ]
            others = [_coarse(forms.render_form(p, scenario, variant)) for p in pools.probe[1:]]
            for person, first, first_hash, first_thumb in memorised:
                for second, second_hash, second_thumb in others:
                    gap = int(abs(first_thumb - second_thumb).max())
                    if (first_hash ^ second_hash).bit_count() <= 4 and gap < best[0]:
                        best = (gap, person, first, second)
    gap, person, first, second = best
    assert gap <= 50  # a thumbnail-only comparison would call them the same picture
    return person, first, second


def _coarse(form):
    gray = release_check._decode_gray(form.to_png())
    thumb = release_check._thumb(gray, release_check._thumb_size(gray.size))
    return form, release_check.dhash(gray), thumb


def test_a_copy_of_the_wide_open_table_form_is_caught(crowded_world, every_form_config):
    world, pools = crowded_world
    memorised = next(
        image
        for image in world.images
        if image.identity_id == pools.memorisation[0]["id"] and image.scenario == "open"
    )
    picture = Image.open(memorised.local_path).convert("RGB")
    problems = _refused_with_photos_of(world, pools, every_form_config, picture, quality=90)
    same = [problem for problem in problems if "same picture" in problem]
    assert same and all("open" in problem for problem in same)
