"""{% required_consents_pending_for as pending %}: for templates/privacy/reconsent_banner.html."""

from django import template

from privacy.selectors import PendingConsent, required_consents_pending

register = template.Library()


@register.simple_tag(takes_context=True)
def required_consents_pending_for(context: template.Context) -> list[PendingConsent]:
    """The signed-in member's pending required consents: one query per request (then remembered on
    request.user), none for a visitor."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return required_consents_pending(member=user)
