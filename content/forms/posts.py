import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from content.models import PostKind
from content.models.posts import BODY_MAX, COMMENT_MAX, TITLE_MAX


def submission_token_field() -> forms.CharField:
    """A one-time token per rendered form (community.idempotency): the service makes one thing per
    token, so a double click or a resent form does not publish twice. A form shown again with errors
    keeps its token: nothing was made with it yet."""
    return forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex
    )


class PostForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Write your post"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown works: **bold**, *italic*, [a link](https://example.com), lists with -."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=PostKind.choices, initial=PostKind.DISCUSSION)
    is_promotional = forms.BooleanField(
        label=_("Promotional (sent only to members who agreed to marketing)"), required=False
    )
    submission_token = submission_token_field()

    def __init__(self, *args: object, can_announce: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not can_announce:
            self.fields["kind"].choices = [c for c in PostKind.choices if c[0] != PostKind.ANNOUNCEMENT]
            del self.fields["is_promotional"]


class PostEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(label=_("Post"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 10}))


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    submission_token = submission_token_field()


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the member to invite"))
