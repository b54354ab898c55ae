"""The simulated members of `make load` (bench/load.py writes the cast and starts locust with this file).

Every user is a real seeded member signed in with their own session cookie. Cookies are kept by hand
(one jar per member): the site runs as behind a TLS proxy (X-Forwarded-Proto: https), so its cookies
are `Secure` and `requests` would never send them over the plain loopback connection; the Origin header
names the https site as a browser's would, which is what Django's CSRF check compares.

- readers (about 95 %): the home feed and its "load more", a space page and its "load more", a post page,
  the inbox bell partial that every page polls;
- writers (about 5 %): a post through the form (CSRF token and the form's one-time submission token), a
  comment, a reaction (htmx), an RSVP (htmx). Each writer rotates over a pool of members so the posting
  windows per trust level are not what is measured; a refusal by a posting limit is counted apart
  ("limited"), anything else unexpected is a failure;
- moderators (2–3 with the moderator role): the review queue, an item, and sometimes a decision
  (dismiss) with CSRF.

Any status outside 2xx/3xx is a failure, and so is a form shown again with an error. The cast comes from
the JSON file named by LOAD_CAST; extra counters are written to LOAD_EXTRA at the end.
"""

# ruff: noqa: S311 (random picks what a simulated member does next; nothing secret)

import itertools
import json
import os
import random
import re
import threading
from http.cookies import SimpleCookie

from locust import HttpUser, between, events, task

CAST = json.loads(open(os.environ["LOAD_CAST"]).read())  # noqa: SIM115
HOST = CAST["host"]  # what the site believes it is: https://127.0.0.1:<port>

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="submission_token" value="([^"]*)"')
MORE_RE = re.compile(r'hx-get="\?after=([^"]+)"')
ITEM_RE = re.compile(r'href="/moderation/items/(\d+)/"')
POST_RE = re.compile(r"^/p/(\d+)/")
# how the site says a posting window is full (content/services/limits.py take_window), in both languages
LIMITED_RE = re.compile(r"limit of new posts|limit of comments|slow mode|上限|慢速")

_counters: dict[str, int] = {}
_lock = threading.Lock()


def count(name: str) -> None:
    with _lock:
        _counters[name] = _counters.get(name, 0) + 1


@events.test_stop.add_listener
def _write_extra(**_kwargs) -> None:
    path = os.environ.get("LOAD_EXTRA")
    if path:
        with open(path, "w") as out:
            json.dump(_counters, out)


class Member:
    """One member's cookies (session, CSRF, messages), kept like a browser keeps them."""

    def __init__(self, data: dict) -> None:
        self.data = data
        self.cookies = dict(data["cookies"])

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def keep(self, response) -> None:
        raw = getattr(response, "raw", None)
        headers = raw.headers.getlist("Set-Cookie") if raw is not None and raw.headers else []
        for line in headers:
            parsed = SimpleCookie()
            parsed.load(line)
            for name, morsel in parsed.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


class SiteUser(HttpUser):
    abstract = True

    def _headers(self, member: Member, *, htmx: bool = False, referer: str = "/") -> dict:
        headers = {
            "X-Forwarded-Proto": "https",
            "Cookie": member.header(),
            "Origin": HOST,
            "Referer": f"{HOST}{referer}",
            "Accept-Language": member.data.get("language", "en"),
        }
        if htmx:
            headers["HX-Request"] = "true"
        return headers

    def get(self, member: Member, path: str, name: str, *, htmx: bool = False, expect: str = ""):
        with self.client.get(
            path,
            name=name,
            headers=self._headers(member, htmx=htmx),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            member.keep(response)
            if not 200 <= response.status_code < 400:
                response.failure(f"HTTP {response.status_code}")
            elif expect and response.status_code == 200 and expect not in response.text:
                response.failure(f"the page lacks {expect!r}")
            else:
                response.success()
            return response

    def post(
        self,
        member: Member,
        path: str,
        name: str,
        data: dict,
        *,
        htmx: bool = False,
        referer: str = "/",
        check=None,
    ):
        """POST with the CSRF token as a form would send it; returns (response, outcome) where outcome is
        "ok", "limited" (a posting window is full: counted, not a failure) or "failed". `check(response)`
        returns why a 2xx/3xx answer is still wrong (a form shown again, a refusal), or None."""
        data = {"csrfmiddlewaretoken": member.cookies.get("csrftoken", ""), **data}
        with self.client.post(
            path,
            name=name,
            data=data,
            headers=self._headers(member, htmx=htmx, referer=referer),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            member.keep(response)
            outcome = "ok"
            if response.status_code == 429 or (
                response.status_code in (200, 400) and LIMITED_RE.search(response.text or "")
            ):
                outcome = "limited"
                count(f"{name}: limited")
                response.success()
            elif not 200 <= response.status_code < 400:
                outcome = "failed"
                response.failure(f"HTTP {response.status_code}")
            elif check is not None and (why := check(response)):
                outcome = "failed"
                count(f"{name}: {why}")
                response.failure(why)
            else:
                response.success()
            return response, outcome


class Reader(SiteUser):
    """A member reading: feed, space, post, load more, the inbox bell."""

    weight = 19
    wait_time = between(2, 6)

    def on_start(self) -> None:
        self.member = Member(CAST["readers"].pop(0) if CAST["readers"] else random.choice(CAST["all"]))
        self.home_after = ""
        self.space_after = ("", "")
        self.home()  # a member opening the site lands on the home feed

    @task(4)
    def home(self) -> None:
        response = self.get(self.member, "/", "home", expect="inbox-bell")
        found = MORE_RE.search(response.text or "")
        self.home_after = found.group(1) if found else ""

    @task(2)
    def home_more(self) -> None:
        if not self.home_after:
            return self.home()
        response = self.get(self.member, f"/?after={self.home_after}", "home: load more", htmx=True)
        found = MORE_RE.search(response.text or "")
        self.home_after = found.group(1) if found else ""

    @task(3)
    def space(self) -> None:
        slug = random.choice(self.member.data["spaces"])
        response = self.get(self.member, f"/s/{slug}/", "space")
        found = MORE_RE.search(response.text or "")
        self.space_after = (slug, found.group(1) if found else "")

    @task(1)
    def space_more(self) -> None:
        slug, after = self.space_after
        if not after:
            return self.space()
        response = self.get(self.member, f"/s/{slug}/?after={after}", "space: load more", htmx=True)
        found = MORE_RE.search(response.text or "")
        self.space_after = (slug, found.group(1) if found else "")

    @task(4)
    def post_page(self) -> None:
        self.get(self.member, f"/p/{random.choice(self.member.data['posts'])}/", "post")

    @task(3)
    def bell(self) -> None:
        self.get(self.member, "/inbox/bell/", "inbox bell", htmx=True)


class Writer(SiteUser):
    """A member taking part: post, comment, react, RSVP; each action as the next member of a pool."""

    weight = 1
    wait_time = between(2, 6)
    _pools = None

    def on_start(self) -> None:
        if Writer._pools is None:
            Writer._pools = itertools.count()
        index = next(Writer._pools)
        pools = CAST["writer_pools"]
        self.pool = [Member(m) for m in pools[index % len(pools)]]
        self.turn = itertools.cycle(self.pool)
        self.serial = 0

    def _next(self) -> Member:
        return next(self.turn)

    @task(2)
    def create_post(self) -> None:
        member = self._next()
        slug = random.choice(member.data["writable_spaces"])
        form = self.get(member, f"/s/{slug}/new/", "post form")
        token = TOKEN_RE.search(form.text or "")
        self.serial += 1
        response, outcome = self.post(
            member,
            f"/s/{slug}/new/",
            "post create",
            {
                "title": f"Load test post {member.data['id']}-{self.serial}-{random.randrange(10**9)}",
                "body": f"Written under load by member {member.data['id']} at step {self.serial}, "
                f"{random.randrange(10**12)}: *still* reading well?",
                "kind": "discussion",
                "submission_token": token.group(1) if token else "",
            },
            referer=f"/s/{slug}/new/",
            check=lambda r: None if POST_RE.match(_location(r)) else "the form came back instead of the post",
        )
        if outcome == "ok":
            count("posts created")
            member.data["posts"].append(int(POST_RE.match(_location(response)).group(1)))

    @task(3)
    def comment(self) -> None:
        member = self._next()
        post_id = random.choice(member.data["posts"])
        page = self.get(member, f"/p/{post_id}/", "post")
        token = TOKEN_RE.search(page.text or "")
        self.serial += 1
        _response, outcome = self.post(
            member,
            f"/p/{post_id}/comment/",
            "comment",
            {
                "body": f"A comment under load, {member.data['id']}-{self.serial}-{random.randrange(10**12)}",
                "submission_token": token.group(1) if token else "",
            },
            referer=f"/p/{post_id}/",
            check=_redirected,
        )
        if outcome == "ok":
            count("comments created")

    @task(4)
    def react(self) -> None:
        member = self._next()
        post_id = random.choice(member.data["posts"])
        kind = random.choice(["like", "heart", "thanks", "insightful"])
        self.post(
            member,
            f"/p/{post_id}/react/",
            "react",
            {"kind": kind},
            htmx=True,
            referer=f"/p/{post_id}/",
            check=_not_refused,
        )

    @task(2)
    def rsvp(self) -> None:
        member = self._next()
        if not member.data["events"]:
            return self.react()
        event_id = random.choice(member.data["events"])
        self.post(
            member,
            f"/e/{event_id}/rsvp/",
            "rsvp",
            {"going": random.choice(["1", "0"])},
            htmx=True,
            referer=f"/e/{event_id}/",
            check=_not_refused,
        )


class Moderator(SiteUser):
    """A site moderator working the review queue: the queue, an item, now and then a decision."""

    fixed_count = int(os.environ.get("LOAD_MODERATORS", "2"))
    wait_time = between(3, 8)

    def on_start(self) -> None:
        self.member = Member(CAST["moderators"].pop(0) if CAST["moderators"] else CAST["moderator_spare"])
        self.items: list[str] = []

    @task(3)
    def queue(self) -> None:
        response = self.get(self.member, "/moderation/", "moderation queue")
        self.items = ITEM_RE.findall(response.text or "")

    @task(4)
    def item(self) -> None:
        if not self.items:
            return self.queue()
        pk = random.choice(self.items)
        self.get(self.member, f"/moderation/items/{pk}/", "moderation item")

    @task(1)
    def decide(self) -> None:
        if not self.items:
            return self.queue()
        pk = self.items.pop(random.randrange(len(self.items)))
        self.get(self.member, f"/moderation/items/{pk}/", "moderation item")
        _response, outcome = self.post(
            self.member,
            f"/moderation/items/{pk}/decide/",
            "moderation decide",
            {"action": "dismiss", "reason": "Checked under load: nothing against the rules.", "rule": "Load"},
            referer=f"/moderation/items/{pk}/",
            check=_redirected,
        )
        if outcome == "ok":
            count("items decided")


Writer.fixed_count = int(os.environ.get("LOAD_WRITERS", "3"))


def _location(response) -> str:
    location = response.headers.get("Location", "")
    return location.removeprefix(HOST)


def _redirected(response) -> str | None:
    return None if response.status_code == 302 else f"HTTP {response.status_code} instead of the redirect"


def _not_refused(response) -> str | None:
    """The htmx partials (reactions, RSVP) say a refusal inside themselves, with role="alert"."""
    return "refused" if 'role="alert"' in (response.text or "") else None
