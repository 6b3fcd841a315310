"""``POST /api/v1/applications/``: an intake partner's tool sends in a person's application.

The public form is anonymous; this endpoint is for partner organisations that meet people
and apply with them, so it needs a token whose user holds ``can_submit_applications``
network-wide (the intake partner role, and network admins).

Validation is the public form's own (``ApplicationForm`` without the bot trap and the hidden
key): the same rules and the same translated messages. Only the JSON types are checked here
first, so that a number where text belongs is refused instead of converted.

Idempotency: the ``Idempotency-Key`` header (a UUID the tool makes for each person) plays the
part of the form's hidden key, within the sending user's account. The same key again returns
the first application (200) with the same codes: a retry after a lost answer neither loses the
passphrase nor makes a second application. The same key with another person's answers (name,
year of birth, country, entry date) is refused (409) instead of silently returning someone
else's codes.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from haven.accounts import access
from haven.accounts.models import Capability
from haven.api.auth import ApplicationThrottle
from haven.api.base import ApiView
from haven.api.errors import NON_FIELD, Conflict, InvalidRequest
from haven.api.forms import form_errors
from haven.api.schema import errors
from haven.api.serializers import SubmittedSerializer
from haven.core.services.applications import ApplicantAnswers, ApplicationError
from haven.core.services.intake import receive_application
from haven.core.services.triage import identity_fingerprint
from haven.public.forms import ApplicationForm

IDEMPOTENCY_HEADER = "Idempotency-Key"
# What only a browser needs: the bot trap, and the hidden key (the header replaces it).
BROWSER_ONLY = ("website", "idempotency_key")

NOT_AN_OBJECT = _("Send the answers as one JSON object.")
UNKNOWN_FIELD = _("This is not a question of the application form.")
WRONG_TYPE = {
    str: _("Please send this as text."),
    int: _("Please send this as a whole number."),
    bool: _("Please send this as true or false."),
}
BAD_KEY = _(
    "Send a new UUID in the Idempotency-Key header for each person, and the same one again "
    "when you retry."
)
KEY_REUSED = _(
    "This Idempotency-Key was used before for another person's application. Use a new key "
    "for each person."
)


class ApiApplicationForm(ApplicationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in BROWSER_ONLY:
            del self.fields[name]


def body_fields() -> dict[str, forms.Field]:
    return {
        name: field
        for name, field in ApplicationForm.base_fields.items()
        if name not in BROWSER_ONLY
    }


def json_type(field: forms.Field) -> type:
    """The JSON type a form field takes in the body (``null`` is always read as empty)."""
    if isinstance(field, forms.BooleanField):
        return bool
    if isinstance(field, forms.IntegerField):
        return int
    if isinstance(field, forms.TypedChoiceField) and field.coerce is int:
        return int
    return str


def _has_type(value: object, expected: type) -> bool:
    if isinstance(value, bool):  # bool is an int in Python, never in JSON
        return expected is bool
    return isinstance(value, expected)


def type_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """Unknown fields and values of the wrong JSON type, with their messages."""
    fields = body_fields()
    found: dict[str, list[str]] = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None:
            found[name] = [str(UNKNOWN_FIELD)]
        elif value is not None and not _has_type(value, json_type(field)):
            found[name] = [str(WRONG_TYPE[json_type(field)])]
    return found


def _describe(field: forms.Field) -> str:
    """The field's label and help, in the language of the schema when it is generated."""
    parts = (field.label, field.help_text)
    return lazy(lambda: " — ".join(str(part) for part in parts if part), str)()


def _schema_field(field: forms.Field) -> serializers.Field[Any, Any, Any, Any]:
    """The OpenAPI description of one form field (the form still does the checking)."""
    options: dict[str, Any] = {"required": field.required, "help_text": _describe(field)}
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**options)
    options["allow_null"] = not field.required
    if isinstance(field, forms.IntegerField):
        bounds = {"min_value": field.min_value, "max_value": field.max_value}
        options.update({key: value for key, value in bounds.items() if value is not None})
        return serializers.IntegerField(**options)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**options)
    choices = cast(list[tuple[Any, Any]], getattr(field, "choices", []))
    if choices:
        values = [json_type(field)(value) for value, _label in choices if value != ""]
        blank = len(values) < len(choices)
        return serializers.ChoiceField(choices=values, allow_blank=blank, **options)
    if isinstance(field, forms.CharField) and field.max_length is not None:
        options["max_length"] = field.max_length
    return serializers.CharField(allow_blank=not field.required, trim_whitespace=False, **options)


# The request body in the schema, built from the form's fields (the component
# "ApplicationRequest"); unknown fields are refused (schema.forbid_unknown_fields).
ApplicationBody = type(
    "Application",
    (serializers.Serializer,),
    {name: _schema_field(field) for name, field in body_fields().items()},
)


def _idempotency_key(request: Request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.headers.get(IDEMPOTENCY_HEADER, ""))
    except ValueError:
        return None


def _same_person(fingerprint: str, answers: ApplicantAnswers) -> bool:
    return fingerprint == identity_fingerprint(
        answers.display_name, answers.birth_year, answers.host_country, answers.entered_on
    )


class ApplicationCreate(ApiView):
    throttle_classes = [ApplicationThrottle]  # counts the request too

    @extend_schema(
        operation_id="applications_create",
        summary="Send in a person's application (can_submit_applications)",
        description=(
            "The public form's questions and checks. Idempotency-Key: a new UUID per person; "
            "the same key again returns the first application (200) with the same codes."
        ),
        request=ApplicationBody,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.UUID,
                OpenApiParameter.HEADER,
                required=True,
                description="A new UUID for each person; the same one when retrying.",
            )
        ],
        responses={
            201: OpenApiResponse(SubmittedSerializer, description="Stored."),
            200: OpenApiResponse(
                SubmittedSerializer, description="Stored before under this key: the same codes."
            ),
            **errors(400, 401, 403, 404, 409, 415, 429),
        },
    )
    def post(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)  # IsAuthenticated
        access.require_network(user, Capability.SUBMIT_APPLICATIONS)
        body = request.data
        if not isinstance(body, dict):
            raise InvalidRequest({NON_FIELD: [str(NOT_AN_OBJECT)]})
        wrong = type_errors(body)
        form = ApiApplicationForm({k: v for k, v in body.items() if k not in wrong})
        key = _idempotency_key(request)
        if not form.is_valid() or wrong or key is None:
            problems = {**form_errors(form), **wrong}
            if key is None:
                problems[IDEMPOTENCY_HEADER] = [str(BAD_KEY)]
            raise InvalidRequest(problems)
        answers = form.answers()
        language = get_language()
        try:
            receipt = receive_application(
                answers,
                idempotency_key=f"api:{user.pk}:{key}",
                language=language,
                actor=user,
            )
        except ApplicationError as error:
            raise InvalidRequest({NON_FIELD: [str(error.message)]}) from None
        if not receipt.created and not _same_person(receipt.identity_fingerprint, answers):
            raise Conflict(str(KEY_REUSED))
        with override(language):
            status_path = reverse("public:status")
        data = {
            "reference": receipt.reference,
            "passphrase": receipt.passphrase,
            "status_url": request.build_absolute_uri(status_path),
        }
        return Response(SubmittedSerializer(data).data, status=201 if receipt.created else 200)
