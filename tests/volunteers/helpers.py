"""Helpers for the volunteers tests: phone-like photos and a counter of the bytes read
through curation.core.storage."""

import io

from PIL import Image as PILImage

from curation.core import storage
from curation.volunteers import services

# Small enough that the hostile corpus's oversized file stays cheap (1 MB + 1 byte).
TEST_MAX_BYTES = 1_000_000


def photo_with_metadata(
    size=(640, 480), orientation: int = 6, colour=(40, 90, 160), quality: int = 90
) -> bytes:
    """A real JPEG as a phone writes it: GPS position, camera make and model, capture
    time, and an orientation tag saying "turn me 90 degrees clockwise" (6)."""
    image = PILImage.new("RGB", size, "white")
    # A coloured block in the top-left corner shows where "up" ends up after cleaning.
    image.paste(colour, (0, 0, size[0] // 3, size[1] // 3))
    image.paste((20, 20, 20), (size[0] // 2, size[1] // 2, size[0] - 20, size[1] - 20))
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15 Pro"  # Model
    exif[0x0112] = orientation
    exif[0x0132] = "2026:01:02 03:04:05"  # DateTime
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=quality)
    return buffer.getvalue()


class StorageReadCounter:
    """Counts the bytes read through curation.core.storage, split by whether a cleaning
    job was running: what the site's own request handling reads is `site_bytes`."""

    READERS = ("read_bytes", "read_prefix")

    def __init__(self, monkeypatch):
        self.site_bytes = 0
        self.job_bytes = 0
        self.site_calls: list[str] = []
        self._in_job = 0
        for name in self.READERS:
            monkeypatch.setattr(storage, name, self._counting(getattr(storage, name), name))
        original_open = storage.open_binary
        monkeypatch.setattr(storage, "open_binary", self._counting_open(original_open))
        process = services.upload_process
        monkeypatch.setattr(services, "upload_process", self._as_job(process))

    def _record(self, name: str, count: int) -> None:
        if self._in_job:
            self.job_bytes += count
        else:
            self.site_bytes += count
            self.site_calls.append(name)

    def _counting(self, reader, name):
        def read(*args, **kwargs):
            data = reader(*args, **kwargs)
            self._record(name, len(data))
            return data

        return read

    def _counting_open(self, opener):
        def open_binary(*args, **kwargs):
            handle = opener(*args, **kwargs)
            self._record("open_binary", 0)
            original_read = handle.read

            def read(*read_args):
                data = original_read(*read_args)
                self._record("open_binary.read", len(data))
                return data

            handle.read = read
            return handle

        return open_binary

    def _as_job(self, process):
        def upload_process(*args, **kwargs):
            self._in_job += 1
            try:
                return process(*args, **kwargs)
            finally:
                self._in_job -= 1

        return upload_process
