"""Photos for tests, built with Pillow: asymmetric pictures, phone metadata, busy scenes.

`phone_jpeg()` is what a phone leaves (GPS, make, time, orientation, comment, XMP,
ICC); `leaked_secrets(data)` lists the planted values still present in a file.
Shared by the library's tests and the site's upload tests.
"""

import io
import random

from PIL import ExifTags, Image, ImageCms, ImageDraw, PngImagePlugin

# Four distinct colours, one per quadrant, so that any turn or flip shows in the pixels.
QUADRANTS = {
    "top_left": (220, 30, 30),
    "top_right": (30, 200, 30),
    "bottom_left": (30, 30, 220),
    "bottom_right": (240, 220, 40),
}
SECRET_COMMENT = b"volunteer note: flat 4B, door code 1234"
SECRET_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description>secret-xmp-creator</rdf:Description></rdf:RDF>'
    b"</x:xmpmeta>"
)
CAMERA_MAKE = "Phonemaker-Secret"


def quadrant_picture(size=(160, 96)) -> Image.Image:
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    half_w, half_h = width // 2, height // 2
    draw.rectangle((0, 0, half_w - 1, half_h - 1), fill=QUADRANTS["top_left"])
    draw.rectangle((half_w, 0, width, half_h - 1), fill=QUADRANTS["top_right"])
    draw.rectangle((0, half_h, half_w - 1, height), fill=QUADRANTS["bottom_left"])
    draw.rectangle((half_w, half_h, width, height), fill=QUADRANTS["bottom_right"])
    return image


def quadrant_at(image: Image.Image, corner: str) -> tuple[int, int, int]:
    """The colour at the centre of one quadrant of `image`."""
    x = image.width // 4 if "left" in corner else 3 * image.width // 4
    y = image.height // 4 if "top" in corner else 3 * image.height // 4
    return image.convert("RGB").getpixel((x, y))


def colour_close(colour, expected, tolerance=24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def phone_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.Model] = "Phone 15"
    exif[ExifTags.Base.DateTime] = "2025:03:14 09:26:53"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 29.9),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 17.0, 40.2),
    }
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def encode(image: Image.Image, format_name: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format_name, **params)
    return buffer.getvalue()


def phone_jpeg(image: Image.Image | None = None, orientation: int = 6) -> bytes:
    """A JPEG as a phone leaves it: EXIF with GPS, make and time, orientation, a comment,
    XMP and an ICC profile."""
    return encode(
        image or quadrant_picture(),
        "JPEG",
        quality=95,
        exif=phone_exif(orientation).tobytes(),
        comment=SECRET_COMMENT,
        xmp=SECRET_XMP,
        icc_profile=srgb_icc(),
        dpi=(72, 72),
    )


def png_with_text() -> bytes:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", SECRET_COMMENT.decode())
    text.add_text("Author", "secret-author", zip=True)
    text.add_itxt("XML:com.adobe.xmp", SECRET_XMP.decode())
    return encode(
        quadrant_picture(),
        "PNG",
        pnginfo=text,
        exif=phone_exif().tobytes(),
        icc_profile=srgb_icc(),
    )


def scene(seed: int, size=(640, 480)) -> Image.Image:
    """A busy picture of random shapes on a gradient, different for each seed."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(20, size[0] // 2), rng.randrange(20, size[1] // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=colour)
    return image


def leaked_secrets(data: bytes) -> list[bytes]:
    """The planted metadata values that still appear anywhere in the file's bytes."""
    planted = [SECRET_COMMENT, b"secret-xmp-creator", CAMERA_MAKE.encode(), b"secret-author"]
    planted += [b"Exif\x00\x00", b"ICC_PROFILE", b"http://ns.adobe.com/xap", b"2025:03:14"]
    return [secret for secret in planted if secret in data]
