import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded avatars go to a folder of this test, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The factories set a password on every member; tests that make fifty need a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def png_upload(name: str = "me.png", size: tuple[int, int] = (400, 300), colour: str = "#3366cc"):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make: a stand-in for the metadata a phone writes (GPS, device)
    image.save(buffer, format="PNG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
