"""Points where moderation plugs into content without content importing moderation (DESIGN.md).

moderation registers its checks in its AppConfig.ready(); content calls them while publishing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from members.models import Member

Verdict = Literal["publish", "hold"]


@dataclass(frozen=True)
class Draft:
    """What is about to be published, as the checks see it."""

    author: Member
    space_id: int
    kind: Literal["post", "comment"]
    title: str
    body: str
    fingerprint: str


PublishCheck = Callable[[Draft], Verdict]
_publish_checks: list[PublishCheck] = []


def register_publish_check(check: PublishCheck) -> None:
    if check not in _publish_checks:
        _publish_checks.append(check)


def publish_verdict(draft: Draft) -> Verdict:
    """'hold' when any registered check wants a person to look first (pre-moderation)."""
    return "hold" if any(check(draft) == "hold" for check in _publish_checks) else "publish"
