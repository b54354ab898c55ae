"""The simulation's email backend: every message is built as SMTP would send it, inspected, and reduced
to five integers (which delivery, to whom, when, what its headers and words say, how many lines a
digest has). Hundreds of thousands of messages then cost a few megabytes, not a list of EmailMessage
objects."""

import re
from array import array
from dataclasses import dataclass, field

from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from content.delivery.unsubscribe import unsubscribe_read

# every promotional announcement of the simulation carries this in its title, so the capture can tell
# from the message itself (subject or a digest's lines) that promotional words reached the member
PROMO_MARK = "PROMO-"

HAS_LIST_UNSUBSCRIBE = 1  # List-Unsubscribe: <https://…/unsubscribe/<token>/>
HAS_ONE_CLICK = 2  # List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058)
LINK_FOR_RECIPIENT = 4  # the link's signed token names this recipient
PROMOTIONAL_WORDS = 8  # the subject or the text says PROMO-

MESSAGE_ID = re.compile(r"<delivery-(\d+)@")
LINK = re.compile(r"^<(https?://[^>]+/unsubscribe/([^/>]+)/)>$")
NUMBER = re.compile(r"\d+")


@dataclass
class Recorder:
    member_of: dict[str, int] = field(default_factory=dict)  # address -> member id
    delivery: array = field(default_factory=lambda: array("q"))
    member: array = field(default_factory=lambda: array("q"))
    at: array = field(default_factory=lambda: array("q"))  # epoch seconds of the (simulated) send
    flags: array = field(default_factory=lambda: array("q"))
    number: array = field(default_factory=lambda: array("q"))  # first number of the subject, or -1
    unknown: int = 0  # messages without a delivery Message-ID or to an address nobody has

    def __len__(self) -> int:
        return len(self.delivery)

    def record(self, message) -> None:
        mime = message.message()  # what SMTP would send: headers validated and encoded
        found = MESSAGE_ID.search(str(mime["Message-ID"] or ""))
        recipients = message.recipients()
        member_id = self.member_of.get(recipients[0].lower(), -1) if len(recipients) == 1 else -1
        if found is None or member_id < 0:
            self.unknown += 1
        flags = 0
        link = LINK.match(str(mime["List-Unsubscribe"] or "").strip())
        if link:
            flags |= HAS_LIST_UNSUBSCRIBE
            token = unsubscribe_read(token=link.group(2))
            if token is not None and token[0] == member_id:
                flags |= LINK_FOR_RECIPIENT
        if str(mime["List-Unsubscribe-Post"] or "").strip() == "List-Unsubscribe=One-Click":
            flags |= HAS_ONE_CLICK
        if PROMO_MARK in message.subject or PROMO_MARK in message.body:
            flags |= PROMOTIONAL_WORDS
        number = NUMBER.search(message.subject)
        self.delivery.append(int(found.group(1)) if found else -1)
        self.member.append(member_id)
        self.at.append(int(timezone.now().timestamp()))
        self.flags.append(flags)
        self.number.append(int(number.group()) if number else -1)


RECORDER = Recorder()


class CaptureBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            RECORDER.record(message)
        return len(email_messages)
