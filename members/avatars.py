"""Avatars: an uploaded picture made safe and small, or a generated one with the member's initial.

An upload is opened with Pillow (never trusted by its name or content type), checked for format and
size before its pixels are decoded, stripped of metadata (EXIF can carry GPS positions), cropped to a
centred square and stored as a 256x256 WebP.
"""

import io
import warnings

from django.core.files.uploadedfile import UploadedFile
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from members.exceptions import AvatarRejected

AVATAR_SIZE = 256
AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_MAX_PIXELS = 40_000_000
AVATAR_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
AVATAR_TOO_LARGE = _("The picture is larger than 5 MB. Please choose a smaller one.")

# White text on each of these has a contrast of at least 4.5:1 (WCAG AA).
AVATAR_COLOURS = (
    "#1f5fbf",
    "#2e7d32",
    "#b3261e",
    "#6a1b9a",
    "#00695c",
    "#ad1457",
    "#4e342e",
    "#37474f",
    "#c43e00",
    "#283593",
    "#558b2f",
    "#00838f",
)


def avatar_check_size(*, upload: UploadedFile) -> None:
    """Refuse a file over the cap from its size alone, before anything reads its content."""
    if upload.size is not None and upload.size > AVATAR_MAX_BYTES:
        raise AvatarRejected(AVATAR_TOO_LARGE)


def avatar_prepare(*, upload: UploadedFile) -> bytes:
    """The upload as a 256x256 WebP without metadata, or AvatarRejected saying why."""
    avatar_check_size(upload=upload)
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below is stricter than Pillow's bomb warning; never let it escape.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in AVATAR_FORMATS:
                raise AvatarRejected(_("Please upload a JPEG, PNG, WebP or GIF picture."))
            width, height = image.size
            if width * height > AVATAR_MAX_PIXELS:
                raise AvatarRejected(_("The picture has too many pixels (at most 40 megapixels)."))
            image.seek(0)  # the first frame of an animated GIF or WebP
            image.load()
    except AvatarRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise AvatarRejected(_("This file is not a picture we can read.")) from error

    image = ImageOps.exif_transpose(image)  # turn it upright before the orientation tag is dropped
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    square = ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    # A new image from the pixels alone: no EXIF, XMP, ICC profile or comments survive.
    clean = Image.new(square.mode, square.size)
    clean.paste(square)
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def avatar_initial(name: str) -> str:
    """The first character, upper-cased where the script has case: 'mia' -> 'M', '王小明' -> '王'."""
    name = (name or "").strip()
    return name[0].upper()[:1] if name else "?"


def avatar_colour(member_id: int | None) -> str:
    return AVATAR_COLOURS[(member_id or 0) % len(AVATAR_COLOURS)]


def avatar_default_svg(*, member_id: int | None, name: str, size: int = 256) -> str:
    """A standalone SVG document: the initial in white on a colour chosen by the member id."""
    label = escape(name or "")
    initial = escape(avatar_initial(name))
    colour = avatar_colour(member_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{int(size)}" height="{int(size)}" '
        f'viewBox="0 0 100 100" role="img" aria-label="{label}">'
        f"<title>{label}</title>"
        f'<rect width="100" height="100" rx="50" fill="{colour}"/>'
        f'<text x="50" y="50" dy="0.35em" text-anchor="middle" font-size="48" font-weight="600" '
        "font-family=\"system-ui, -apple-system, 'PingFang SC', 'Noto Sans CJK SC', sans-serif\" "
        f'fill="#ffffff">{initial}</text></svg>'
    )
