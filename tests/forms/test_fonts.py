import string

from PIL import ImageFont

from benchmark.forms.sheet import FONT_DIR, FONT_FILES
from benchmark.identities import make_pools


def test_every_font_ships_with_the_project_and_loads():
    for name in FONT_FILES.values():
        assert (FONT_DIR / name).is_file(), name
        ImageFont.truetype(str(FONT_DIR / name), 20)


def test_every_font_file_is_covered_by_a_licence_text_and_the_folder_stays_small():
    licences = " ".join(path.read_text() for path in FONT_DIR.glob("LICENSE-*.txt"))
    assert "SIL OPEN FONT LICENSE Version 1.1" in licences
    readme = (FONT_DIR / "README.md").read_text()
    for path in FONT_DIR.glob("*.[ot]tf"):
        assert path.name in readme, path.name
    assert sum(path.stat().st_size for path in FONT_DIR.iterdir()) < 3 * 1024 * 1024


def test_every_character_of_identity_values_has_a_glyph_in_every_font():
    pools = make_pools(3000, 0, seed=8)
    needed = {c for person in pools.memorisation for value in person.values() for c in value}
    needed |= set(string.ascii_letters + string.digits + "/")
    for name in FONT_FILES.values():
        font = ImageFont.truetype(str(FONT_DIR / name), 30)
        missing = bytes(font.getmask("\ue000"))  # a private-use point: the .notdef glyph
        absent = sorted(c for c in needed if c != " " and bytes(font.getmask(c)) == missing)
        assert not absent, (name, absent)
