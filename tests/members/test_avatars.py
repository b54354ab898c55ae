"""Avatar uploads become safe 256x256 WebP files; anything else is refused beside the field."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from members.avatars import AVATAR_COLOURS, avatar_default_svg, avatar_initial, avatar_prepare
from members.exceptions import AvatarRejected
from members.services import member_update_preferences
from tests.members.conftest import png_upload

pytestmark = pytest.mark.django_db


def preferences(**extra):
    return {"display_name": "Mia New Name", "language": "en", "timezone": "UTC", "bio": "", **extra}


def test_a_real_png_becomes_a_256_pixel_webp_without_metadata(member_client, member):
    response = member_client.post(reverse("members:preferences"), preferences(avatar=png_upload()))

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.avatar.name.startswith(f"avatars/{member.pk}/")
    assert member.avatar.name.endswith(".webp")
    with member.avatar.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "WEBP"
        assert image.size == (256, 256)
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
    assert member.display_name == "Mia New Name"


def test_a_wide_picture_is_cropped_around_its_centre():
    image = Image.new("RGB", (300, 100), "red")
    image.paste(Image.new("RGB", (100, 100), "blue"), (100, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    webp = avatar_prepare(upload=SimpleUploadedFile("x.jpg", buffer.getvalue()))
    with Image.open(io.BytesIO(webp)) as result:
        red, _green, blue = result.convert("RGB").getpixel((128, 128))
        assert blue > 200 and red < 60


def test_a_text_file_named_png_is_refused_beside_the_field_and_the_name_is_kept(member_client, member):
    fake = SimpleUploadedFile("me.png", b"just some words, not a picture", content_type="image/png")

    response = member_client.post(reverse("members:preferences"), preferences(avatar=fake))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_avatar_error"' in html
    assert "not a picture we can read" in html
    assert 'value="Mia New Name"' in html
    member.refresh_from_db()
    assert member.display_name == "Mia Member"
    assert not member.avatar


def test_an_upload_over_5_mb_is_refused_while_it_arrives(member_client, member, monkeypatch):
    opened = []
    monkeypatch.setattr("members.avatars.Image.open", lambda *a, **k: opened.append(a))
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (6 * 1024 * 1024), content_type="image/png")

    response = member_client.post(reverse("members:preferences"), preferences(avatar=big))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_avatar_error"' in html
    assert "larger than 5 MB" in html
    assert 'value="Mia New Name"' in html
    # The upload handler dropped the file past 5 MB: it never became an uploaded file, nor was opened.
    assert "avatar" not in response.wsgi_request.FILES
    assert opened == []
    member.refresh_from_db()
    assert member.display_name == "Mia Member"


def test_the_size_check_also_stands_without_the_upload_handler():
    big = SimpleUploadedFile("big.png", b"0" * (5 * 1024 * 1024 + 1))
    with pytest.raises(AvatarRejected, match="larger than 5 MB"):
        avatar_prepare(upload=big)


def test_preferences_still_require_the_csrf_token(member):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    response = browser.post(reverse("members:preferences"), preferences())
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.display_name == "Mia Member"


def test_a_picture_over_40_megapixels_is_refused():
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")  # 48 MP, a few kilobytes compressed
    with pytest.raises(AvatarRejected, match="40 megapixels"):
        avatar_prepare(upload=SimpleUploadedFile("huge.png", buffer.getvalue()))


def test_other_picture_formats_are_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, format="BMP")
    with pytest.raises(AvatarRejected, match="JPEG, PNG, WebP or GIF"):
        avatar_prepare(upload=SimpleUploadedFile("me.bmp", buffer.getvalue()))


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "GIF"])
def test_jpeg_webp_and_gif_are_accepted(fmt):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 80), "green").save(buffer, format=fmt)
    with Image.open(io.BytesIO(avatar_prepare(upload=SimpleUploadedFile("x", buffer.getvalue())))) as image:
        assert (image.format, image.size) == ("WEBP", (256, 256))


def test_removing_the_avatar_deletes_the_file_after_commit(member, django_capture_on_commit_callbacks):
    member_update_preferences(
        member=member, display_name="Mia", language="en", timezone="UTC", avatar=png_upload()
    )
    stored = member.avatar.name
    storage = member.avatar.storage
    assert storage.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        member_update_preferences(
            member=member, display_name="Mia", language="en", timezone="UTC", remove_avatar=True
        )

    member.refresh_from_db()
    assert not member.avatar
    assert not storage.exists(stored)


def test_the_remove_checkbox_in_preferences_removes_the_picture(member_client, member):
    member_client.post(reverse("members:preferences"), preferences(avatar=png_upload()))
    assert "Remove my picture" in member_client.get(reverse("members:preferences")).content.decode()

    member_client.post(reverse("members:preferences"), preferences(remove_avatar="on"))

    member.refresh_from_db()
    assert not member.avatar


def test_bio_and_profile_visibility_are_saved(member_client, member):
    member_client.post(
        reverse("members:preferences"), preferences(bio="  Hiking and tea.  ", profile_visibility="public")
    )
    member.refresh_from_db()
    assert (member.bio, member.profile_visibility) == ("Hiking and tea.", "public")


def test_a_bio_over_500_characters_is_refused_and_kept(member_client, member):
    response = member_client.post(reverse("members:preferences"), preferences(bio="字" * 501))
    html = response.content.decode()
    assert 'id="id_bio_error"' in html
    assert "字" * 501 in html


def test_the_uploaded_avatar_is_served_with_a_versioned_url_and_shown_everywhere(
    member_client, member, client
):
    member_client.post(reverse("members:preferences"), preferences(avatar=png_upload()))
    member.refresh_from_db()
    version = member.avatar.name.rsplit("/", 1)[-1].removesuffix(".webp")
    url = reverse("members:avatar", args=[member.pk, version])

    html = member_client.get(reverse("members:profile", args=[member.pk])).content.decode()
    assert f'src="{url}"' in html
    assert 'alt="Mia New Name"' in html

    response = client.get(url)  # anyone: avatars sit beside posts in public spaces
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert "immutable" in response["Cache-Control"]
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (256, 256)
    assert client.get(reverse("members:avatar", args=[member.pk, "20000101000000"])).status_code == 404


def test_the_generated_avatar_of_a_chinese_name_shows_its_first_character(client, other_member):
    response = client.get(reverse("members:avatar_default", args=[other_member.pk]))

    svg = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert ">王</text>" in svg
    assert 'aria-label="王小明"' in svg
    assert f'fill="{AVATAR_COLOURS[other_member.pk % len(AVATAR_COLOURS)]}"' in svg
    assert "style=" not in svg


@pytest.mark.parametrize(
    ("name", "initial"), [("mia", "M"), ("  王小明", "王"), ("", "?"), ("<script>", "<"), ("ßen", "S")]
)
def test_the_initial_is_the_first_character(name, initial):
    assert avatar_initial(name) == initial


def test_the_generated_avatar_escapes_the_name():
    svg = avatar_default_svg(member_id=3, name='<script>"x"')
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_the_avatar_include_draws_an_inline_svg_without_style_attributes(other_member):
    from django.template.loader import render_to_string

    html = render_to_string("members/avatar.html", {"member": other_member, "size": 40})
    assert html.startswith('<svg class="avatar"')
    assert 'width="40"' in html
    assert "style" not in html
