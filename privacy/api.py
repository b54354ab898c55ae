"""The member's consents over the API (LEGAL L2–L5): the current decision per purpose with the history,
and one operation each to grant and to withdraw, recorded with the channel "api".

Privacy imports no other app, so this module uses DRF directly rather than community.api; the errors
still come out as {"error": {"code", "message"}} through REST_FRAMEWORK["EXCEPTION_HANDLER"]. Every
operation acts on the signed-in member only: there is no member id to change, so nobody reaches another
member's consents.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from privacy.consents import consent_grant, consent_history, consent_withdraw, purpose_closed_to
from privacy.models import ConsentChannel, ConsentEntry, ConsentPurpose
from privacy.selectors import consent_state, consent_states, required_consents_pending

TAGS = ["privacy"]
HISTORY_LIMIT = 100

ERRORS = {
    400: OpenApiResponse(description='`{"error": {"code": "required_purpose", ...}}`: the terms stay.'),
    401: OpenApiResponse(description='`{"error": {"code": "not_authenticated", ...}}`'),
    403: OpenApiResponse(description='`{"error": {"code": "not_for_minors", ...}}`'),
    404: OpenApiResponse(description='`{"error": {"code": "not_found", ...}}`: no such purpose.'),
    # every operation is throttled (REST_FRAMEWORK's DEFAULT_THROTTLE_CLASSES)
    429: OpenApiResponse(description='`{"error": {"code": "throttled", ...}}`: too many requests.'),
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: ERRORS[code] for code in codes}


class RequiredPurpose(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "required_purpose"


class NotForMinors(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "not_for_minors"


class ConsentStateSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    label = serializers.CharField(help_text="The purpose, in the member's language.")
    required = serializers.BooleanField(help_text="Needed to have an account (the terms).")
    granted = serializers.BooleanField(help_text="Off until granted (LEGAL L3).")
    version = serializers.CharField(
        source="entry.version.label", default=None, allow_null=True, help_text="The text decided on."
    )
    channel = serializers.CharField(source="entry.channel", default=None, allow_null=True)
    decided_at = serializers.DateTimeField(source="entry.created_at", default=None, allow_null=True)


class ConsentEntrySerializer(serializers.ModelSerializer):
    version = serializers.CharField(source="version.label", default=None, allow_null=True)
    document = serializers.CharField(source="version.document.kind", default=None, allow_null=True)

    class Meta:
        model = ConsentEntry
        fields = ["purpose", "granted", "version", "document", "channel", "created_at"]


class PendingSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    document = serializers.CharField(source="kind")
    version = serializers.CharField(source="version.label", help_text="Grant the purpose to accept it.")


def _purpose(purpose: str) -> ConsentPurpose:
    if purpose not in ConsentPurpose.values:
        raise exceptions.NotFound(_("Not found."))
    return ConsentPurpose(purpose)


class ConsentListApi(APIView):
    """The member's current decision for every purpose, the required documents waiting for their
    acceptance, and their latest decisions (newest first, at most 100)."""

    class OutputSerializer(serializers.Serializer):
        consents = ConsentStateSerializer(many=True)
        required_pending = PendingSerializer(many=True, help_text="New versions of the terms to accept.")
        history = ConsentEntrySerializer(many=True)

    @extend_schema(
        operation_id="consent_list", tags=TAGS, responses={200: OutputSerializer, **_errors(401, 429)}
    )
    def get(self, request: Request) -> Response:
        member = request.user
        data = {
            "consents": consent_states(member=member),
            "required_pending": required_consents_pending(member=member),
            "history": consent_history(member=member)[:HISTORY_LIMIT],
        }
        return Response(self.OutputSerializer(data).data)


class _ConsentDecideApi(APIView):
    granting: bool

    def post(self, request: Request, purpose: str) -> Response:
        member = request.user
        chosen = _purpose(purpose)
        if self.granting:
            if purpose_closed_to(member, chosen):
                raise NotForMinors(
                    _("Personalised recommendations are not available to members under the age of consent.")
                )
            entry = consent_grant(member=member, purpose=chosen, channel=ConsentChannel.API, actor=member)
        else:
            if chosen == ConsentPurpose.TERMS:
                raise RequiredPurpose(
                    _("The terms are needed to have an account. To withdraw them, delete your account.")
                )
            entry = consent_withdraw(member=member, purpose=chosen, channel=ConsentChannel.API, actor=member)
        current = entry or consent_history(member=member).filter(purpose=chosen).first()
        body = ConsentStateSerializer(consent_state(purpose=chosen, entry=current)).data
        return Response(body, status=status.HTTP_201_CREATED if entry else status.HTTP_200_OK)


class ConsentGrantApi(_ConsentDecideApi):
    """Grant a purpose: 201 when recorded, 200 when it was already granted for the current text.
    Granting "terms" accepts their current version (what a page's "accept" button does)."""

    granting = True

    @extend_schema(
        operation_id="consent_grant",
        tags=TAGS,
        request=None,
        responses={200: ConsentStateSerializer, 201: ConsentStateSerializer, **_errors(401, 403, 404, 429)},
    )
    def post(self, request: Request, purpose: str) -> Response:
        return super().post(request, purpose)


class ConsentWithdrawApi(_ConsentDecideApi):
    """Withdraw a purpose, at once (LEGAL L4): 201 when recorded, 200 when it was already off. The
    terms cannot be withdrawn here (400 required_purpose): deleting the account does that."""

    granting = False

    @extend_schema(
        operation_id="consent_withdraw",
        tags=TAGS,
        request=None,
        responses={200: ConsentStateSerializer, 201: ConsentStateSerializer, **_errors(400, 401, 404, 429)},
    )
    def post(self, request: Request, purpose: str) -> Response:
        return super().post(request, purpose)
