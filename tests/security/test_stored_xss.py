"""S2 stored XSS: the whole payload corpus (tests/security/xss_payloads.py) is written into every field a
member controls that others see, then every page, admin page and email (HTML part) that shows it is
opened in headless Chromium. On each: no dialog, no marker set (window.__xss, document.title), no CSP
violation of a script/object/frame/base/form directive, and a DOM scan finds no on* attribute, no
javascript:/vbscript:/data: URL in a URL attribute, no inline or foreign <script>, and no
iframe/object/embed/base/meta-refresh.

Written through the API: post title and body, comment, profile name and bio, event title, description
and place, complaint subject and body. No API writes these, so the service does (as the form's view
would): report details (moderation.services.report_file), appeal statement (appeal_file), and the
comments of the members whose names carry payloads (comment_create: one API call each would only add
time, the comment field itself goes through the API above).

The second test adds what the first left out: a composed digest's HTML part, poll options, space
descriptions and rules (an operator writes them in the admin), and IP notices (the rights holder's
fields, the author's counter-notice, the escalation note); its figures go to
var/test-artifacts/stored-xss-gaps.json."""

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.test import Client
from django.utils import timezone

from content.delivery.digest import digest_compose
from content.delivery.dispatcher import delivery_message
from content.delivery.models import Delivery, Outbox
from content.delivery.planner import deliveries_plan
from content.models import Comment, ContentStatus, Event, Post, Space
from content.models.polls import OPTION_MAX, OPTIONS_MAX, Poll
from content.services.comments import comment_create
from moderation.ip_notices import (
    URL_MAX,
    escalate_link,
    ip_notice_counter,
    ip_notice_escalate,
    ip_notice_file,
)
from moderation.models import Appeal, Complaint, ModerationAction, Report, ReviewItem
from moderation.services import appeal_file, report_file, review_item_decide
from tests.api.helpers import JsonClient
from tests.factories import MemberFactory, MembershipFactory, SpaceFactory
from tests.security.xss_payloads import CORPUS, chunks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = Path(django_settings.BASE_DIR) / "var" / "test-artifacts" / "stored-xss.json"


def _summary_write(path: Path, browser, *, fields: dict, marks: tuple[float, float, float], **counts) -> None:
    """The run's figures for the closing note (var/test-artifacts): payloads, fields, pages and emails
    opened, where the time went, and anything found."""
    started, written, pages_done = marks
    summary = {
        "payloads": len(CORPUS),
        "fields": fields,
        "pages": browser.pages,
        "emails": browser.emails,
        **counts,
        "seconds": {
            "write": round(written - started, 1),
            "pages": round(pages_done - written, 1),
            "emails": round(time.monotonic() - pages_done, 1),
        },
        "findings": browser.findings,
        "dialogs": browser.dialogs,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=1, ensure_ascii=False))


# Runs in every page before its own scripts: catches CSP violations and marks the title we expect.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.effectiveDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""

# The DOM scan. The site has no inline handlers and no inline scripts at all, so any of these is a
# finding; URLs are read as a browser reads the scheme (control characters and whitespace removed).
SCAN = """
() => {
  const found = [];
  const urlAttrs = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster',
    'background', 'codebase', 'cite', 'ping', 'lowsrc', 'dynsrc', 'srcset', 'to', 'from', 'values']);
  const say = (el, what) => found.push(el.localName + ': ' + what.slice(0, 120));
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) say(el, name + '=' + attr.value);
      if (name === 'srcdoc') say(el, 'srcdoc=' + attr.value);
      if (urlAttrs.has(name) || name.endsWith(':href')) {
        const scheme = attr.value.replace(/[\\u0000-\\u0020\\u007f-\\u009f]+/g, '').toLowerCase();
        if (/^(javascript|vbscript|livescript|data):/.test(scheme)) say(el, name + '=' + attr.value);
      }
      const style = name === 'style' && /javascript:|expression\\(|url\\(/i.test(attr.value);
      if (style) say(el, 'style=' + attr.value);
    }
    const tag = el.localName;
    const framing = ['iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'portal'];
    if (framing.includes(tag)) say(el, 'element');
    const equiv = (el.getAttribute('http-equiv') || '').toLowerCase();
    if (tag === 'meta' && equiv === 'refresh') say(el, 'refresh');
    if (tag === 'script') {
      const src = el.getAttribute('src');
      if (!src) say(el, 'inline script ' + el.textContent);
      else if (new URL(src, location.href).origin !== location.origin) say(el, 'foreign script ' + src);
    }
  }
  if (window.__xss !== undefined) found.push('window.__xss was set');
  if (document.title === 'XSS') found.push('document.title was changed to XSS');
  for (const v of (window.__csp || [])) {
    if (/^(script|object|frame|child|base|form|worker|default)/.test(v)) found.push('CSP violation: ' + v);
  }
  return found;
}
"""


@pytest.fixture(autouse=True)
def _room_for_the_corpus(settings, monkeypatch):
    """Limits that would stop one member from writing 300 payloads are lifted: the test is about what
    is stored and shown, not about posting friction (tested elsewhere)."""
    room = {"posts": "1000/day", "comments": "5000/day", "links_per_post": 100_000}
    settings.POSTING_LIMITS = dict.fromkeys(range(4), room)
    settings.MODERATION_FLAG_THRESHOLD = 100_000
    settings.MODERATION_PREMODERATE_FIRST_POSTS = 0
    settings.MODERATION_COMPLAINTS_PER_DAY = "1000/day"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LIVE_REFRESH_SECONDS = 3600
    # the after-commit kick to Celery is not needed: the test plans the deliveries itself
    monkeypatch.setattr("content.delivery.outbox.outbox_kick", lambda *, outbox_id: False)


def api(member) -> JsonClient:
    client = JsonClient()
    client.force_authenticate(member)
    return client


def ok(response) -> dict:
    assert response.status_code in (200, 201), response.content[:600]
    return response.json()


def sign_in(page, base_url: str, member) -> None:
    client = Client()
    client.force_login(member)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


class Browser:
    """Opens pages (following the feeds' next links) and emails, and collects findings."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.findings: list[str] = []
        self.dialogs: list[str] = []
        self.pages = 0
        self.emails = 0
        self.texts: list[str] = []
        page.add_init_script(WATCH)
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{self.page.url}: {dialog.type} {dialog.message}")
        dialog.dismiss()

    def scan(self, label: str) -> None:
        self.findings += [f"{label}: {finding}" for finding in self.page.evaluate(SCAN)]

    def open(self, path: str, *, follow_next: bool = False, keep_text: bool = False) -> None:
        seen: set[str] = set()
        while path and path not in seen and len(seen) < 10:
            seen.add(path)
            response = self.page.goto(self.base_url + path, wait_until="load")
            assert response is not None and response.status == 200, f"{path}: {response and response.status}"
            self.pages += 1
            self.scan(path)
            if keep_text:
                self.texts.append(self.page.inner_text("body"))
            if not follow_next:
                break
            nxt = self.page.locator(
                "a[rel='next'], a[href^='?after='], a[href*='&after='], a[href^='?page=']"
            )
            path = nxt.last.get_attribute("href") if nxt.count() else None
            if path and path.startswith("?"):
                path = self.page.url.split("?")[0].removeprefix(self.base_url) + path

    def emails_check(self, label: str, htmls: list[str]) -> None:
        """Several emails in one document (each whole, one after the other): what runs in one would
        run here too, and one load per 25 emails keeps the test within its time."""
        self.page.set_content("\n".join(htmls), wait_until="load")
        self.emails += len(htmls)
        self.scan(label)


def test_the_payload_corpus_stays_inert_in_every_field_page_admin_page_and_email(live_server, page):
    started = time.monotonic()
    space = SpaceFactory(slug="agora", name="Agora")
    vera = MemberFactory(display_name="Vera Victim", trust_level=3, email="vera@example.org")
    eve = MemberFactory(display_name="Eve Writer", trust_level=3, email="eve@example.org")
    moderator = MemberFactory(display_name="Mo Moderator", groups=["moderator"], trust_level=3)
    operator = MemberFactory(display_name="Opal Operator", is_staff=True, is_superuser=True, trust_level=3)
    for someone in (vera, eve):
        MembershipFactory(space=space, member=someone, notification_level="all")
    fields: dict[str, int] = {}

    # --- Posts (API): titles carry the corpus in 200-character titles, bodies in 5,000-character ones
    titles = chunks(CORPUS, limit=200, separator=" ")
    bodies = chunks(CORPUS, limit=5000)
    host = ok(
        api(vera).post(f"/api/v1/spaces/{space.slug}/posts/", {"title": "Say hello", "body": "Hi all."})
    )
    posts = []
    for index, title in enumerate(titles):
        body = bodies[index] if index < len(bodies) else f"Post number {index}, nothing else."
        posts.append(ok(api(eve).post(f"/api/v1/spaces/{space.slug}/posts/", {"title": title, "body": body})))
    fields["post title"] = len(titles)
    fields["post body"] = len(bodies)

    # --- Comments (API) on Vera's post: she is told of each reply (inbox and email)
    comment_texts = chunks(CORPUS, limit=5000)
    comments = [
        ok(api(eve).post(f"/api/v1/posts/{host['id']}/comments/", {"body": text})) for text in comment_texts
    ]
    fields["comment"] = len(comment_texts)

    # --- Profiles (API): one member per payload in the name (60 characters at most), bios of 500
    names = list(dict.fromkeys(payload[:60].strip() for payload in CORPUS))  # the field keeps 60 characters
    bios = chunks(CORPUS, limit=500)
    named = []
    for index, name in enumerate(names):
        member = MemberFactory(trust_level=3)
        change = {"display_name": name}
        if index < len(bios):
            change["bio"] = bios[index]
        ok(api(member).patch("/api/v1/me/", change))
        member.refresh_from_db()
        named.append(member)
    host_post = Post.objects.get(pk=host["id"])
    for index, member in enumerate(named):  # their names appear beside their comments and in Vera's inbox
        comment_create(author=member, post=host_post, body=f"Reply number {index}.")
    fields["profile name"] = len(names)
    fields["profile bio"] = len(bios)

    # --- Events (API): title and place in 200 characters, descriptions in 5,000
    places = chunks(CORPUS, limit=200, separator=" ")
    descriptions = chunks(CORPUS, limit=5000)
    starts = timezone.now() + timedelta(days=3)
    events = []
    for index, title in enumerate(titles):
        event = {
            "title": title,
            "description": descriptions[index] if index < len(descriptions) else f"Event {index}.",
            "location": places[index] if index < len(places) else "",
            "starts_at": (starts + timedelta(hours=index)).isoformat(),
            "ends_at": (starts + timedelta(hours=index, minutes=50)).isoformat(),
            "timezone": "Asia/Shanghai",
        }
        events.append(ok(api(eve).post(f"/api/v1/spaces/{space.slug}/events/", event)))
    fields["event title"] = len(titles)
    fields["event description"] = len(descriptions)
    fields["event place"] = len(places)

    # --- Reports (service: no API files a report): details of 2,000 characters, by different members
    details = chunks(CORPUS, limit=2000)
    first_comment = Comment.objects.get(pk=comments[0]["id"])
    targets = [("post", posts[0]["id"]), ("comment", first_comment.pk), ("member", named[0].pk)]
    for index, text in enumerate(details):
        kind, object_id = targets[index % len(targets)]
        report_file(reporter=named[-1 - index], kind=kind, object_id=object_id, reason="other", details=text)
    fields["report details"] = len(details)

    # --- Appeals (service): Eve appeals the hiding of plain posts with 2,000-character statements
    statements = chunks(CORPUS, limit=2000)
    for index, text in enumerate(statements):
        target = ok(
            api(eve).post(
                f"/api/v1/spaces/{space.slug}/posts/",
                {"title": f"Appeal target {index}", "body": f"Plain {index}."},
            )
        )
        report_file(reporter=vera, kind="post", object_id=target["id"], reason="spam")
        item = ReviewItem.objects.get(kind="post", object_id=target["id"])
        review_item_decide(item=item, by=moderator, action="hide", reason="Looks like spam.", rule="Be kind")
        action = ModerationAction.objects.get(review_item=item, action="hide")
        appeal_file(action=action, appellant=eve, statement=text)
    fields["appeal statement"] = len(statements)

    # --- Complaints (API): subjects of 200 characters, bodies of 5,000
    complaint_bodies = chunks(CORPUS, limit=5000)
    for index, subject in enumerate(titles):
        body = complaint_bodies[index] if index < len(complaint_bodies) else f"Complaint {index}."
        ok(
            api(eve).post(
                "/api/v1/moderation/complaints/", {"topic": "service", "subject": subject, "body": body}
            )
        )
    fields["complaint subject"] = len(titles)
    fields["complaint body"] = len(complaint_bodies)

    held = Post.objects.exclude(status=ContentStatus.PUBLISHED).exclude(title__startswith="Appeal target")
    assert not held.exists(), "every payload post is published (none held for review)"
    written = time.monotonic()

    # --- The scan itself sees what it looks for (a page without CSP, where the handler runs)
    browser = Browser(page, live_server.url)
    page.set_content(
        '<img src=x onerror="window.__xss=1"><a href=" java&#9;script:alert(1)">x</a><iframe></iframe>'
    )
    page.wait_for_function("window.__xss === 1")
    assert len(page.evaluate(SCAN)) == 4, page.evaluate(SCAN)

    # --- The member's pages
    sign_in(page, live_server.url, vera)
    browser.open("/", follow_next=True)
    browser.open(f"/s/{space.slug}/", follow_next=True)
    body_posts = [post["id"] for post in posts[: len(bodies)]]
    for pk in body_posts:
        browser.open(f"/p/{pk}/", keep_text=True)
    browser.open(f"/p/{host['id']}/", keep_text=True)
    browser.open(f"/members/{eve.pk}/posts/", follow_next=True)
    for member in named[: len(bios)]:
        browser.open(f"/members/{member.pk}/")
    browser.open("/events/", follow_next=True)
    browser.open(f"/s/{space.slug}/events/", follow_next=True)
    for event in events[: len(descriptions)]:
        browser.open(f"/e/{event['id']}/")
    for query in ("alert", "onerror", "javascript", "script"):
        browser.open(f"/search/?q={query}")
    browser.open("/inbox/", follow_next=True)
    sign_in(page, live_server.url, eve)
    browser.open("/inbox/", follow_next=True)
    browser.open("/moderation/complaints/mine/")

    # --- Moderators' and operators' pages
    sign_in(page, live_server.url, operator)
    browser.open("/moderation/", follow_next=True)
    for item in ReviewItem.objects.filter(report_count__gt=0).exclude(kind="post", status="decided"):
        browser.open(f"/moderation/items/{item.pk}/")
    browser.open("/moderation/appeals/")
    for appeal in Appeal.objects.all():
        browser.open(f"/moderation/appeals/{appeal.pk}/")
    browser.open("/moderation/complaints/", follow_next=True)
    for complaint in Complaint.objects.order_by("pk")[: len(complaint_bodies)]:
        browser.open(f"/moderation/complaints/{complaint.pk}/")
    changelists = [
        "content/post", "content/comment", "members/member", "content/event", "content/inboxitem",
        "moderation/report", "moderation/reviewitem", "moderation/appeal", "moderation/complaint",
        "moderation/complaintmessage",
    ]  # fmt: skip
    for model in changelists:
        browser.open(f"/admin/{model}/?all=")
    changes = {
        "content/post": posts[0]["id"],
        "content/comment": first_comment.pk,
        "members/member": named[0].pk,
        "content/event": events[0]["id"],
        "moderation/report": Report.objects.exclude(details="").order_by("pk").first().pk,
        "moderation/reviewitem": ReviewItem.objects.get(kind="post", object_id=posts[0]["id"]).pk,
        "moderation/appeal": Appeal.objects.order_by("pk").first().pk,
        "moderation/complaint": Complaint.objects.order_by("pk").first().pk,
    }
    for model, pk in changes.items():
        browser.open(f"/admin/{model}/{pk}/change/")
    pages_done = time.monotonic()

    # --- Emails: every planned email's HTML part, rendered as the dispatcher would send it
    for row in Outbox.objects.order_by("pk"):
        deliveries_plan(outbox_id=row.pk)
    htmls = []
    for delivery in Delivery.objects.filter(channel="email").select_related("recipient", "inbox_item"):
        message = delivery_message(delivery)
        if message is None:
            continue
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        htmls.append(html)
    for start in range(0, len(htmls), 25):
        browser.emails_check(f"emails {start}-{start + 24}", htmls[start : start + 25])

    _summary_write(
        SUMMARY,
        browser,
        fields=fields,
        marks=(started, written, pages_done),
        posts=len(posts),
        events=Event.objects.count(),
    )

    assert len(CORPUS) >= 200
    assert browser.emails > 0
    assert not browser.dialogs, browser.dialogs
    assert not browser.findings, "\n".join(browser.findings[:80])
    # template-engine lookalikes are shown as the member wrote them, not evaluated
    text = "\n".join(browser.texts)
    assert "{{7*7}}" in text and "{% debug %}" in text


# --- The fields the first pass left out: digests, poll options, space texts, IP notices ---------------

GAPS_SUMMARY = Path(django_settings.BASE_DIR) / "var" / "test-artifacts" / "stored-xss-gaps.json"
SITE = "https://evidence.example/"


def evidence_url(payload: str) -> str:
    """A payload as the path of an evidence link (the notice takes http(s) links only), or a plain
    link when the validator refuses it whitespace-free."""
    url = (SITE + "".join(payload.split()))[:URL_MAX]
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return ""
    return url


def poll_options(payloads: list[str]) -> list[list[str]]:
    """The corpus as poll options: each as the poll keeps it (whitespace collapsed, 200 characters),
    each once whatever its case, 20 to a poll (the last one topped up to the minimum of 2)."""
    seen, labels = set(), []
    for payload in payloads:
        label = " ".join(payload.split())[:OPTION_MAX]
        if label and label.casefold() not in seen:
            seen.add(label.casefold())
            labels.append(label)
    polls = [labels[i : i + OPTIONS_MAX] for i in range(0, len(labels), OPTIONS_MAX)]
    if len(polls[-1]) < 2:
        polls[-1].append("A plain option")
    return polls


def test_the_payload_corpus_stays_inert_in_digests_poll_options_space_texts_and_ip_notices(
    live_server, page, settings
):
    """The whole corpus in each field, except space names (a sample: one space per 45th payload; each
    name is a space to create and a page to open) and evidence links (the 1 in 4 sample of payloads the
    link validator accepts once their whitespace is gone: the field takes http(s) links only)."""
    settings.MODERATION_IP_NOTICES_PER_HOUR = "10000/hour"
    started = time.monotonic()
    vera = MemberFactory(display_name="Vera Victim", trust_level=3, email="vera@example.org")
    eve = MemberFactory(display_name="Eve Writer", trust_level=3, email="eve@example.org")
    dora = MemberFactory(display_name="Dora Digest", email="dora@example.org", email_mode="daily")
    operator = MemberFactory(display_name="Opal Operator", is_staff=True, is_superuser=True, trust_level=3)
    fields: dict[str, int] = {}

    # --- Spaces: the operator writes descriptions and rules in the admin (no other page writes them)
    descriptions = chunks(CORPUS, limit=2000)
    rules = chunks(CORPUS, limit=5000)
    names = [payload[:80].strip() for payload in CORPUS[::45]]
    count = max(len(descriptions), len(names))
    admin = Client()
    admin.force_login(operator)
    for index in range(count):
        response = admin.post(
            "/admin/content/space/add/",
            {
                "slug": f"gap-{index}",
                "name": names[index] if index < len(names) else f"Space {index}",
                "description": descriptions[index] if index < len(descriptions) else "",
                "rules": rules[index] if index < len(rules) else "",
                # the first is private: signed-in outsiders see its door (name and description)
                "visibility": "private" if index == 0 else "public",
                "posting_policy": "everyone",
                "slow_mode_seconds": "0",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    spaces = list(Space.objects.filter(slug__startswith="gap-").order_by("pk"))
    assert [space.description for space in spaces[: len(descriptions)]] == descriptions
    fields["space description"] = len(descriptions)
    fields["space rules"] = len(rules)
    fields["space name (sample)"] = len(names)
    public = [space for space in spaces if space.visibility == "public"]
    for space in public:
        MembershipFactory(space=space, member=dora, notification_level="digest")

    # --- Posts with payload titles in those spaces: Dora reads them in her inbox and her daily digest
    titles = chunks(CORPUS, limit=200, separator=" ")
    for index, title in enumerate(titles):
        space = public[index % len(public)]
        ok(api(eve).post(f"/api/v1/spaces/{space.slug}/posts/", {"title": title, "body": f"Post {index}."}))
    fields["post title (digest)"] = len(titles)

    # --- Poll options (API): Eve's polls, Vera votes in every other one (results, then the form)
    polls = poll_options(CORPUS)
    poll_posts = []
    for index, options in enumerate(polls):
        post = ok(
            api(eve).post(
                f"/api/v1/spaces/{public[0].slug}/posts/",
                {"title": f"Poll {index}", "body": f"Vote {index}."},
            )
        )
        poll = ok(api(eve).post(f"/api/v1/posts/{post['id']}/poll/", {"options": options}))
        if index % 2 == 0:
            ok(
                api(vera).post(
                    f"/api/v1/polls/{poll['id']}/vote/", {"option_ids": [poll["options"][0]["id"]]}
                )
            )
        poll_posts.append(post["id"])
    fields["poll option"] = sum(len(options) for options in polls)

    # --- IP notices (the public form's service; a rights holder needs no account): name, organisation,
    # evidence and its link against one of Eve's posts; Eve counters some, the holder escalates those
    target = ok(
        api(eve).post(
            f"/api/v1/spaces/{public[0].slug}/posts/", {"title": "Borrowed logo", "body": "Our logo."}
        )
    )
    evidence = chunks(CORPUS, limit=5000)
    links = [url for url in map(evidence_url, CORPUS[::4]) if url]
    notices = []
    for index in range(max(len(titles), len(links))):
        notices.append(
            ip_notice_file(
                holder_name=titles[index] if index < len(titles) else f"Holder {index}",
                holder_organisation=titles[-1 - index] if index < len(titles) else "",
                holder_email=f"holder{index}@brand.example",
                right="trademark",
                evidence=evidence[index] if index < len(evidence) else f"Registration No. {index}.",
                evidence_url=links[index] if index < len(links) else f"{SITE}{index}",
                content_url=f"/p/{target['id']}/",
                sworn=True,
                ip="203.0.113.9",
            )
        )
    statements = chunks(CORPUS, limit=5000)
    counter_evidence = list(reversed(statements))
    notes = chunks(CORPUS, limit=5000)
    for index, text in enumerate(statements):
        assert ip_notice_counter(
            notice=notices[index], by=eve, statement=text, counter_evidence=counter_evidence[index]
        )
    fields["ip notice holder name"] = len(titles)
    fields["ip notice holder organisation"] = len(titles)
    fields["ip notice evidence"] = len(evidence)
    fields["ip notice evidence link (sample)"] = len(links)
    fields["ip counter-notice statement"] = len(statements)
    fields["ip counter-notice evidence"] = len(counter_evidence)
    fields["ip escalation note"] = len(notes)
    written = time.monotonic()

    # --- Pages
    browser = Browser(page, live_server.url)
    sign_in(page, live_server.url, vera)
    browser.open("/s/", follow_next=True)
    for space in spaces[: len(descriptions)]:
        browser.open(f"/s/{space.slug}/")  # the private one: its door
    for pk in poll_posts:
        browser.open(f"/p/{pk}/", keep_text=True)
    sign_in(page, live_server.url, dora)
    browser.open("/inbox/")
    sign_in(page, live_server.url, eve)
    browser.open("/inbox/")
    for notice in notices[: len(statements) + 1]:  # countered ones, and one still open to a counter
        browser.open(f"/moderation/ip-notice/{notice.pk}/counter/")
    page.context.clear_cookies()  # the rights holder, by the link in their email
    for notice in notices[: len(statements)]:
        browser.open(escalate_link(notice=notice))
    for index, note in enumerate(notes):
        assert ip_notice_escalate(notice=notices[index], note=note)
    sign_in(page, live_server.url, operator)
    browser.open(f"/moderation/items/{notices[0].review_item_id}/")
    for model in ("content/space", "content/poll", "content/polloption", "moderation/ipnotice"):
        browser.open(f"/admin/{model}/?all=")
    for space in spaces[: len(descriptions)]:
        browser.open(f"/admin/content/space/{space.pk}/change/")
    for poll in Poll.objects.order_by("pk")[:2]:
        browser.open(f"/admin/content/poll/{poll.pk}/change/")
    for notice in notices[: len(notes)]:
        browser.open(f"/admin/moderation/ipnotice/{notice.pk}/change/")
    pages_done = time.monotonic()

    # --- Emails: Eve's notices (the notice, the escalation) and Dora's digest, HTML parts
    for row in Outbox.objects.order_by("pk"):
        deliveries_plan(outbox_id=row.pk)
    digest = digest_compose(member_id=dora.pk, local_day=20261201)
    assert digest is not None
    htmls, digest_html = [], ""
    for delivery in Delivery.objects.filter(channel="email").select_related("recipient", "inbox_item"):
        message = delivery_message(delivery)
        if message is None:
            continue
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        htmls.append(html)
        if delivery.pk == digest.pk:
            digest_html = html
    assert "&lt;script&gt;" in digest_html and "new items" in digest_html
    for start in range(0, len(htmls), 25):
        browser.emails_check(f"emails {start}-{start + 24}", htmls[start : start + 25])

    _summary_write(GAPS_SUMMARY, browser, fields=fields, marks=(started, written, pages_done))

    assert browser.emails > len(notices)
    assert not browser.dialogs, browser.dialogs
    assert not browser.findings, "\n".join(browser.findings[:80])
