"""Untrusted decoding in a box: a hostile file costs a bounded, small amount of CPU."""

import io
import time

import pytest
from PIL import Image

from benchmark import photos, sandbox
from tests.support.hostile_photos import many_scans_jpeg, sample_jpeg

DECODE = "from PIL import Image; import io; Image.open(io.BytesIO(data)).load()"


@pytest.fixture(scope="module")
def many_scans() -> bytes:
    return many_scans_jpeg()


def test_a_jpeg_repeating_its_smallest_scan_is_refused_before_decoding(many_scans):
    assert 1_500_000 < len(many_scans) < 1_700_000
    with pytest.raises(photos.PhotoRejected) as refused:
        photos.clean_photo(many_scans, declared_type="image/jpeg")

    assert refused.value.code == "too_many_scans"
    assert "100010 passes" in refused.value.message


def test_scans_are_counted_from_markers_as_the_decoder_sees_them():
    progressive = io.BytesIO()
    Image.open(io.BytesIO(sample_jpeg())).save(progressive, "JPEG", progressive=True)

    assert photos.jpeg_scan_count(sample_jpeg()) == 1
    assert 2 <= photos.jpeg_scan_count(progressive.getvalue()) <= photos.MAX_JPEG_SCANS
    assert photos.jpeg_scan_count(many_scans_jpeg(repeats=7, size=(64, 64))) == 10 + 7
    # Cut off inside the entropy-coded data: counted without reading past the end.
    assert photos.jpeg_scan_count(sample_jpeg()[: len(sample_jpeg()) // 2]) == 1


@pytest.mark.slow
def test_the_box_stops_a_decode_past_its_cpu_limit(many_scans):
    """Were the scan check bypassed, the kernel would still stop the decode."""
    started = time.process_time()
    with pytest.raises(sandbox.LimitExceeded) as stopped:
        sandbox.run_limited(
            exec, DECODE, {"data": many_scans}, limits=sandbox.Limits(cpu_seconds=2)
        )

    assert stopped.value.resource == "cpu"
    assert time.process_time() - started < 2  # the caller's own CPU is not spent on it


def test_the_box_stops_an_allocation_past_its_memory_limit():
    limits = sandbox.Limits(memory_bytes=1024**3)
    with pytest.raises(sandbox.LimitExceeded) as stopped:
        sandbox.run_limited(bytearray, 2 * 1024**3, limits=limits)

    assert stopped.value.resource == "memory"


def test_the_box_stops_a_call_that_waits_past_its_wall_limit():
    with pytest.raises(sandbox.LimitExceeded) as stopped:
        sandbox.run_limited(time.sleep, 120, limits=sandbox.Limits(wall_seconds=3))

    assert stopped.value.resource == "time"


def test_a_boxed_clean_is_the_plain_clean():
    boxed = photos.clean_photo_limited(sample_jpeg(), declared_type="image/jpeg")

    assert boxed == photos.clean_photo(sample_jpeg(), declared_type="image/jpeg")


def test_a_boxed_refusal_keeps_its_code_and_reason(many_scans):
    with pytest.raises(photos.PhotoRejected) as refused:
        photos.clean_photo_limited(many_scans)

    assert refused.value.code == "too_many_scans"


def test_a_tripped_limit_is_a_refusal_the_volunteer_can_read():
    with pytest.raises(photos.PhotoRejected) as refused:
        photos.clean_photo_limited(
            many_scans_jpeg(repeats=90, size=(4000, 3000)),
            limits=sandbox.Limits(cpu_seconds=1, memory_bytes=128 * 1024**2),
        )

    assert refused.value.code == "too_costly"
    assert "too long to read" in refused.value.message
