"""The admin is fully translated (issue 7): an operator reading /admin/ in Chinese sees no English column
header, filter title, form label, action or section name of ours.

The guard tests look at the code (every field, model and admin of our apps names itself through a lazy
translation, so a new field without one fails here); the rendering tests open the central pages as an
operator whose language is Chinese and read the headers, filter titles, labels and section names the
page shows (with the pending translations merged in, as `make messages` will).
"""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, label_for_field
from django.core.exceptions import FieldDoesNotExist
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from content.delivery.models import Delivery
from moderation.models import ModerationAction, ReviewItem
from moderation.services import report_file, review_item_decide
from privacy.consents import consent_grant
from privacy.models import ConsentEntry, DataRequest
from privacy.requests import data_request_file
from tests.factories import CommentFactory, EventFactory, MemberFactory, PostFactory
from tests.moderation.translations import pending_zh  # noqa: F401 (a fixture)

APPS = ("members", "content", "moderation", "privacy", "community")


def our_models():
    return [model for model in apps.get_models() if model._meta.app_label in APPS]


def our_admins():
    """Every registration of our apps' models, and those our admin modules make for others (allauth's
    email addresses, registered by members/admin.py)."""
    return [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in APPS or type(model_admin).__module__.split(".")[0] in APPS
    ]


def model_id(model) -> str:
    return model._meta.label


def admin_id(model_admin) -> str:
    return model_admin.model._meta.label


def is_lazy(text) -> bool:
    return isinstance(text, Promise)


# --- the code: fields, models, admins ----------------------------------------------------------------


@pytest.mark.parametrize("model", our_models(), ids=model_id)
def test_every_field_of_our_models_has_a_translated_verbose_name(model):
    untranslated = [
        field.name
        for field in model._meta.get_fields()
        if field.concrete and not field.auto_created and not is_lazy(field.verbose_name)
    ]
    assert untranslated == [], f"{model._meta.label}: verbose_name=_(...) missing on {untranslated}"


@pytest.mark.parametrize("model", our_models(), ids=model_id)
def test_every_model_of_our_apps_names_itself_through_a_translation(model):
    meta = model._meta.original_attrs
    assert is_lazy(meta.get("verbose_name")), f"{model._meta.label}: Meta.verbose_name = _(...)"
    assert is_lazy(meta.get("verbose_name_plural")), f"{model._meta.label}: Meta.verbose_name_plural = _(...)"


def column_is_translated(name, model, model_admin) -> bool:
    """What the admin shows as the title of a list column or a read-only field: a field's verbose
    name, a method's description, or the model's name for __str__."""
    if callable(name):
        return is_lazy(getattr(name, "short_description", None))
    if name == "__str__":
        return is_lazy(model._meta.verbose_name)
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        field = None
    if field is not None and field.auto_created and field.primary_key:
        return True  # "ID" reads the same in both languages
    return is_lazy(label_for_field(name, model, model_admin))


def filter_is_translated(spec, model) -> bool:
    if isinstance(spec, type):
        return is_lazy(getattr(spec, "title", None))
    path = spec[0] if isinstance(spec, tuple) else spec
    field = get_fields_from_path(model, path)[-1]
    return is_lazy(getattr(field, "verbose_name", None))


@pytest.fixture
def staff_requests(operator):
    """A superuser (every column unmasked, every action) and a moderator on the staff (masked columns)."""
    moderator = MemberFactory(email="staff.moderator@example.org", is_staff=True, groups=["moderator"])
    made = []
    for user in (operator, moderator):
        request = RequestFactory().get("/admin/")
        request.user = user
        made.append(request)
    return made


@pytest.mark.django_db
@pytest.mark.parametrize("model_admin", our_admins(), ids=admin_id)
def test_every_column_filter_action_and_section_of_our_admin_is_translated(model_admin, staff_requests):
    model = model_admin.model
    wrong = []
    for request in staff_requests:
        for column in model_admin.get_list_display(request):
            if not column_is_translated(column, model, model_admin):
                wrong.append(("list_display", getattr(column, "__name__", column)))
        for name in model_admin.get_readonly_fields(request):
            if not column_is_translated(name, model, model_admin):
                wrong.append(("readonly_fields", name))
        for spec in model_admin.get_list_filter(request):
            if not filter_is_translated(spec, model):
                wrong.append(("list_filter", spec))
        for name, (_function, _name, description) in model_admin.get_actions(request).items():
            if not is_lazy(description):
                wrong.append(("action", name))
    for attribute in ("fieldsets", "add_fieldsets"):
        for title, _options in getattr(model_admin, attribute, None) or ():
            if title is not None and not is_lazy(title):
                wrong.append((attribute, title))
    for inline_class in model_admin.inlines:
        inline = inline_class(model, admin.site)
        for name in inline.readonly_fields:
            if not column_is_translated(name, inline.model, inline):
                wrong.append((inline_class.__name__, name))
        for title, _options in inline.fieldsets or ():
            if title is not None and not is_lazy(title):
                wrong.append((inline_class.__name__, title))
    assert wrong == [], f"{type(model_admin).__name__}: untranslated {sorted(set(map(str, wrong)))}"


@pytest.mark.parametrize("config", [apps.get_app_config(label) for label in APPS], ids=lambda c: c.label)
def test_each_app_heading_of_the_admin_index_is_translated(config):
    if not config.get_models():
        pytest.skip(f"{config.label} has no models, so no heading on the admin index")
    assert is_lazy(config.verbose_name)


# --- the pages an operator reads in Chinese ------------------------------------------------------------

# Latin words that read the same in the Chinese admin.
SAME_IN_BOTH = {"ID", "IP", "RSVP", "HTML", "URL", "SHA"}
HEADER = re.compile(r'<th scope="col"[^>]*>.*?<div class="text">(.*?)</div>', re.S)
LABEL = re.compile(r"<label[^>]*>(.*?)</label>", re.S)
SECTION = re.compile(r'class="fieldset-heading">(.*?)</h\d>', re.S)
FILTER = re.compile(r'data-filter-title="([^"]*)"')
TAG = re.compile(r"<[^>]+>")


def english_words(texts) -> list[str]:
    found = []
    for text in texts:
        plain = TAG.sub("", text).strip()
        found += [word for word in re.findall(r"[A-Za-z]{2,}", plain) if word not in SAME_IN_BOTH]
    return found


@pytest.fixture
def chinese_operator(client, operator, request):
    request.getfixturevalue("pending_zh")
    # MemberLanguageMiddleware: a signed-in member's saved language wins over the browser's.
    operator.language = "zh-hans"
    operator.save(update_fields=["language"])
    client.force_login(operator)
    return client


def review_case(member, other_member, operator) -> ReviewItem:
    post = PostFactory(author=other_member)
    report_file(reporter=member, kind="post", object_id=post.pk, reason="spam")
    item = ReviewItem.objects.get(object_id=post.pk)
    review_item_decide(item=item, by=operator, action="hide", reason="Ads.", rule="R4")
    return item


@pytest.fixture
def central_objects(member, other_member, operator):
    review_item = review_case(member, other_member, operator)
    consent_grant(member=member, purpose="marketing", channel="web")
    data_request_file(member=member, kind="correction", details="Fix my name.")
    return {
        "members.Member": member,
        "content.Post": PostFactory(author=member),
        "content.Comment": CommentFactory(author=member),
        "content.Event": EventFactory(),
        "moderation.ReviewItem": review_item,
        "moderation.ModerationAction": ModerationAction.objects.get(review_item=review_item),
        "privacy.ConsentEntry": ConsentEntry.objects.filter(member=member).first(),
        "privacy.DataRequest": DataRequest.objects.get(member=member),
        "content.Delivery": Delivery.objects.create(
            source_kind="post.published",
            source_id=1,
            recipient=member,
            channel="email",
            category="posts",
            status="sent",
            due_at=timezone.now(),
        ),
    }


CENTRAL = [
    "members.Member",
    "content.Post",
    "content.Comment",
    "content.Event",
    "moderation.ReviewItem",
    "moderation.ModerationAction",
    "privacy.ConsentEntry",
    "privacy.DataRequest",
    "content.Delivery",
]


def admin_url(obj, view: str, *args) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.mark.django_db
@pytest.mark.parametrize("label", CENTRAL)
def test_an_operator_reading_in_chinese_sees_chinese_column_headers(chinese_operator, central_objects, label):
    obj = central_objects[label]
    page = chinese_operator.get(admin_url(obj, "changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    headers = HEADER.findall(html)
    assert len(headers) >= 3, headers
    assert english_words(headers) == []
    assert english_words(FILTER.findall(html)) == []
    assert 'lang="zh-hans"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("label", CENTRAL)
def test_an_operator_reading_in_chinese_sees_chinese_labels_on_the_change_page(
    chinese_operator, central_objects, label
):
    obj = central_objects[label]
    # the staff access log asks why a member's data is opened (LEGAL L23): the reason comes with the link
    page = chinese_operator.get(admin_url(obj, "change", obj.pk), {"reason": "审计"})
    assert page.status_code == 200
    html = page.content.decode()
    labels = LABEL.findall(html)
    assert len(labels) >= 3, labels
    assert english_words(labels) == []
    assert english_words(SECTION.findall(html)) == []


@pytest.mark.django_db
def test_the_chinese_names_of_our_fields_appear_in_the_admin(chinese_operator, central_objects):
    expected = {
        "content.Post": ["作者", "版块", "评论数", "创建时间"],
        "content.Delivery": ["收件人", "渠道", "发送时间"],
        "moderation.ModerationAction": ["管理操作", "作者", "对象 ID"],
        "moderation.ReviewItem": ["举报数", "认领人"],
    }
    for label, words in expected.items():
        html = chinese_operator.get(admin_url(central_objects[label], "changelist")).content.decode()
        missing = [word for word in words if word not in html]
        assert missing == [], (label, missing)


@pytest.mark.django_db
def test_records_without_a_title_are_named_in_chinese_too(chinese_operator, central_objects):
    comment = central_objects["content.Comment"]
    page = chinese_operator.get(admin_url(comment, "change", comment.pk)).content.decode()
    assert f"帖子 {comment.post_id} 的评论 {comment.pk}" in page
    item = central_objects["moderation.ReviewItem"]
    page = chinese_operator.get(admin_url(item, "changelist")).content.decode()
    assert f"帖子 {item.object_id}（" in page
