"""Domain errors of members. Each carries a stable `code` for the API and a sentence for people; views
turn them into a form error or a message, the API into a 4xx JSON body."""

from django.utils.translation import gettext_lazy as _


class MemberError(Exception):
    code = "member_error"
    status = 400
    default_message = _("This action is not possible.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class CannotBlockSelf(MemberError):
    code = "cannot_block_self"
    default_message = _("You cannot block yourself.")


class CannotMuteSelf(MemberError):
    code = "cannot_mute_self"
    default_message = _("You cannot mute yourself.")


class AvatarRejected(MemberError):
    """The uploaded file cannot become an avatar; `message` says why, for the field."""

    code = "avatar_rejected"
    default_message = _("This file cannot be used as a picture.")
