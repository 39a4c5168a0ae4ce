"""`check-release` refuses a release whose manifest names a version that is not one (a
trailing newline passed `$`; the site's column holds 40 characters)."""

import json

import pytest

from benchmark.release_check import check_release


@pytest.mark.parametrize("version", ["1.0.0\n", "1.0.0-" + "a" * 40, 100])
def test_a_manifest_version_that_is_not_semantic_versioning_is_refused(build, tmp_path, version):
    out = tmp_path / "release"
    build(out)
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "version": version}))

    problems = check_release(out)

    assert any("not semantic versioning" in line for line in problems), problems
