"""Profiles in headless Chromium: a member fills in their profile with a picture; another member
blocks them and the profile of the blocker disappears for them. Screenshots in both languages at phone
and desktop widths."""

import io
import json
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD, MemberFactory, PostFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _media_and_translations(settings, tmp_path):
    """Uploads go to a folder of this test. The Chinese of this topic still waits in
    locale/zh_Hans/pending/members.json until it is merged into the catalogue: compile both into a
    catalogue of this test, so the Chinese screenshots show what members will see."""
    settings.MEDIA_ROOT = tmp_path / "media"
    po = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    known = {entry.msgid for entry in po}
    pending = json.loads((ROOT / "locale" / "zh_Hans" / "pending" / "members.json").read_text("utf-8"))
    for msgid, msgstr in pending.items():
        if msgid not in known and isinstance(msgstr, str):
            po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    folder = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po.save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]


def picture_png(path: Path) -> Path:
    image = Image.new("RGB", (640, 480), "#f0a400")
    draw = ImageDraw.Draw(image)
    draw.ellipse((200, 120, 440, 360), fill="#1f5fbf")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def log_in(page, base_url, email):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("form[action='/accounts/logout/'] button")).to_be_visible()  # either language


def assert_fits(page, width):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide on a {width}px screen"


def test_a_member_fills_in_their_profile_and_a_blocker_hides_theirs(
    live_server, page, browser, shoot, tmp_path, request
):
    mia = MemberFactory(email="mia@example.org", display_name="Mia Member")
    wang = MemberFactory(email="wang@example.org", display_name="王小明")
    PostFactory(author=mia, space=SpaceFactory(name="Hiking"), title="Best trails near Hangzhou")

    log_in(page, live_server.url, mia.email)
    page.goto(f"{live_server.url}/members/preferences/")
    page.get_by_label("About you").fill("I walk in the hills every weekend.\n周末常去爬山。")
    fake = tmp_path / "not-a-picture.png"
    fake.write_text("only words in here")
    page.get_by_label("Picture").set_input_files(str(fake))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_avatar_error")).to_contain_text("not a picture we can read")
    expect(page.get_by_label("About you")).to_have_value("I walk in the hills every weekend.\n周末常去爬山。")
    assert_fits(page, 375)
    shoot("00-preferences-not-a-picture")

    page.get_by_label("Picture").set_input_files(str(picture_png(tmp_path / "me.png")))
    page.get_by_label("Everyone, including visitors").check()
    shoot("01-preferences-filled")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your preferences are saved.")).to_be_visible()
    expect(page.get_by_label("Remove my picture")).to_be_visible()

    page.get_by_role("link", name="See your profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Member")
    expect(page.get_by_text("周末常去爬山。")).to_be_visible()
    expect(page.get_by_role("link", name="Best trails near Hangzhou")).to_be_visible()
    picture = page.get_by_role("img", name="Mia Member")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.naturalWidth") == 256
    assert_fits(page, 375)
    shoot("02-own-profile")

    # Wang, in a browser of his own, blocks Mia from her profile; htmx swaps the buttons in place.
    other = browser.new_context(viewport={"width": 375, "height": 812}, locale="en-US")
    wang_page = other.new_page()
    log_in(wang_page, live_server.url, wang.email)
    wang_page.goto(f"{live_server.url}/members/{mia.pk}/")
    wang_page.get_by_role("button", name="Block").click()
    expect(wang_page.get_by_role("button", name="Unblock")).to_be_visible()
    expect(wang_page.get_by_text("Mia Member is blocked")).to_be_visible()
    wang_page.screenshot(path=str(SCREENSHOTS / request.node.name / "03-blocked-by-wang.png"), full_page=True)
    other.close()

    response = page.goto(f"{live_server.url}/members/{wang.pk}/")
    assert response.status == 404
    shoot("04-blockers-profile-is-404")


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_profile_and_preferences_pages_in_both_languages(live_server, page, shoot, width, language):
    page.set_viewport_size({"width": width, "height": 900})
    mia = MemberFactory(email="mia@example.org", display_name="Mia Member", language=language)
    wang = MemberFactory(
        email="wang@example.org",
        display_name="王小明",
        bio="喜欢摄影、徒步和做饭。周末常在西湖边拍照。" * 2,
        profile_visibility="public",
    )
    space = SpaceFactory(name="Photography 摄影")
    for title in [
        "西湖的清晨",
        "A very long title that keeps going to check that it wraps on a narrow phone",
    ]:
        PostFactory(author=wang, space=space, title=title)

    log_in(page, live_server.url, mia.email)
    page.goto(f"{live_server.url}/members/{wang.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("王小明")
    expect(page.locator("svg.avatar").first).to_be_visible()
    if language == "zh-hans":
        expect(page.get_by_role("button", name="屏蔽")).to_be_visible()
        expect(page.get_by_role("heading", name="最近的帖子")).to_be_visible()
    assert_fits(page, width)
    shoot(f"profile-{language}-{width}")

    page.goto(f"{live_server.url}/members/preferences/")
    if language == "zh-hans":
        expect(page.get_by_label("个人简介")).to_be_visible()
    else:
        expect(page.get_by_label("About you")).to_be_visible()
    assert_fits(page, width)
    shoot(f"preferences-{language}-{width}")
