"""Points where moderation plugs into content without content importing moderation (DESIGN.md).

moderation registers its checks in its AppConfig.ready(); content calls them while publishing:

1. before anything is written, every publish check looks at the Draft and answers "publish", "flag"
   (publish, and a person should look) or "hold" (pending_review until a person approves), or raises
   PublishBlocked to refuse the text (L20 "refuse to publish"); a check may answer with a Finding to
   say why, for the moderators;
2. inside the publishing transaction, once the row is written (published or held), every after-publish
   hook sees the target, the Draft and the Ruling, and opens what moderation needs (review items).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from django.utils.translation import gettext_lazy as _

from content.exceptions import ContentError
from members.models import Member

if TYPE_CHECKING:
    from content.models import Comment, Post, Space

# weakest to strongest; a refusal is PublishBlocked, raised by the check
Verdict = Literal["publish", "flag", "hold"]
_STRENGTH = {"publish": 0, "flag": 1, "hold": 2}


@dataclass(frozen=True)
class Draft:
    """What is about to be published, as the checks see it."""

    author: Member
    space_id: int
    kind: Literal["post", "comment"]
    title: str
    body: str
    fingerprint: str
    space: "Space | None" = None
    # the author moderates this space (content already knows it for a post; no check asks again)
    moderates: bool = False
    # new words in an existing post or comment: the text rules apply, first-post rules do not
    is_edit: bool = False


@dataclass(frozen=True)
class Finding:
    """One check's answer with its reason: `rule` is a stable code, `data` JSON values."""

    verdict: Verdict
    rule: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ruling:
    """Every check's answer together: the strongest verdict and the findings behind it."""

    verdict: Verdict = "publish"
    findings: tuple[Finding, ...] = ()


class PublishBlocked(ContentError):
    """A check refused the text (a watched word set to block). The member's text stays in the form;
    the check chooses the sentence and the API's code."""

    code = "publish_blocked"
    status = 400
    default_message = _("This text cannot be published. Please change it and try again.")

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code


PublishCheck = Callable[[Draft], "Verdict | Finding | None"]
AfterPublish = Callable[..., None]  # (*, target: Post | Comment, draft: Draft, ruling: Ruling)
_publish_checks: list[PublishCheck] = []
_after_publish: list[AfterPublish] = []


def register_publish_check(check: PublishCheck) -> None:
    if check not in _publish_checks:
        _publish_checks.append(check)


def register_after_publish(hook: AfterPublish) -> None:
    if hook not in _after_publish:
        _after_publish.append(hook)


def publish_ruling(draft: Draft) -> Ruling:
    """Ask every check. Raises PublishBlocked when one refuses; nothing has been written yet."""
    verdict: Verdict = "publish"
    findings: list[Finding] = []
    for check in _publish_checks:
        answer = check(draft)
        if answer is None:
            continue
        if isinstance(answer, Finding):
            findings.append(answer)
            answer = answer.verdict
        if _STRENGTH[answer] > _STRENGTH[verdict]:
            verdict = answer
    return Ruling(verdict=verdict, findings=tuple(findings))


def publish_verdict(draft: Draft) -> Verdict:
    """'hold' when any registered check wants a person to look first (pre-moderation)."""
    return publish_ruling(draft).verdict


def after_publish(*, target: "Post | Comment", draft: Draft, ruling: Ruling) -> None:
    """Call inside the publishing transaction, after the row is written."""
    for hook in _after_publish:
        hook(target=target, draft=draft, ruling=ruling)
