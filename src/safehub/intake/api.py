"""API v1: agency systems create professional referrals and read back their status."""

import uuid

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from safehub.access.policy import is_signed_in
from safehub.audit.trail import record
from safehub.intake import forms
from safehub.intake.actions import MAX_ITEMS_PER_SECTION, submit_contact
from safehub.intake.models import Contact


class IsReferrer(BasePermission):
    message = "Only referrer accounts and agency systems may use the referrals API."

    def has_permission(self, request, view):
        return is_signed_in(request.user) and request.user.role == "referrer" and request.user.agency_id is not None


# What each listed item's form accepts, said in the schema (the forms in safehub.intake.forms check it).
NOT_ONLY_SPACES = {"pattern": r"\S"}
ITEM_FIELD_PATTERNS = {
    # every number in the age is 25 or under, like 14 or "about 14"
    (forms.ChildForm, "age"): r"^\D*(?:(?:1?[0-9]|2[0-5])\D+)*(?:(?:1?[0-9]|2[0-5])\D*)?$",
    # letters, digits and ? for unknown characters, at most 8 of them, spaces anywhere
    (forms.VehicleForm, "registration"): r"^ *(?:[A-Za-z0-9?*] *){0,8}$",
    # digits (3 to 15) with + ( ) - spaces, and ? or x for unknown digits
    (forms.PhoneForm, "number"): r"^[+()\-?*xX ]*(?:[0-9][+()\-?*xX ]*){3,15}$",
    # a full postcode or its first part
    (forms.PlaceForm, "postcode"): r"^(?:[A-Za-z]{1,2}[0-9][A-Za-z0-9]?(?: ?[0-9][A-Za-z]{2})?)?$",
}
ITEM_RULES = {
    forms.ChildForm: {"anyOf": [{"required": [name], "properties": {name: NOT_ONLY_SPACES}}
                                for name in ("name", "description", "age")],
                      "description": "Give at least the child's name, a description or their rough age."},
    forms.PhoneForm: {"required": ["number"]},
    forms.HandleForm: {"required": ["username"], "properties": {"username": NOT_ONLY_SPACES}},
}


def _item_serializer(form_class):
    """A serializer for one listed item, validated by the same form the web pages use."""
    fields = {name: serializers.CharField(required=False, allow_blank=True, max_length=field.max_length)
              for name, field in form_class.base_fields.items()}
    patterns = {name: {"pattern": pattern} for (form, name), pattern in ITEM_FIELD_PATTERNS.items() if form is form_class}
    rules = dict(ITEM_RULES.get(form_class, {}))
    rules["properties"] = {**patterns, **rules.get("properties", {})}

    def validate(self, attrs):
        form = form_class(data=attrs)
        if not form.is_valid():
            raise serializers.ValidationError({k: list(v) for k, v in form.errors.items()})
        return {k: v for k, v in form.cleaned_data.items() if v}

    return type(f"{form_class.__name__.removesuffix('Form')}Serializer", (serializers.Serializer,),
                {**fields, "validate": validate, "request_schema_rules": rules})


def _list_of(form_class):
    return _item_serializer(form_class)(many=True, required=False, max_length=MAX_ITEMS_PER_SECTION)


class ReferralCreateSerializer(serializers.Serializer):
    submission_key = serializers.RegexField(r"^[A-Za-z0-9_-]{8,64}$", required=False, min_length=8, max_length=64,
                                            help_text="Your own idempotency key: sending it again returns the same referral.")
    concern = serializers.CharField(max_length=10_000)
    when_happened = serializers.CharField(max_length=500, required=False, allow_blank=True)
    children = _list_of(forms.ChildForm)
    people = _list_of(forms.PersonForm)
    vehicles = _list_of(forms.VehicleForm)
    phones = _list_of(forms.PhoneForm)
    handles = _list_of(forms.HandleForm)
    places = _list_of(forms.PlaceForm)
    referrer_role = serializers.CharField(max_length=200)
    family_knows = serializers.CharField(max_length=2000)
    consent = serializers.ChoiceField(choices=Contact.Consent.choices)
    consent_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    request_schema_rules = {
        "anyOf": [{"properties": {"consent": {"pattern": f"^{Contact.Consent.GIVEN.value}$"}}},
                  {"required": ["consent_reason"], "properties": {"consent_reason": NOT_ONLY_SPACES}}],
        "description": "When consent was not sought or was refused, say why in `consent_reason`.",
    }

    def validate(self, attrs):
        if attrs["consent"] in {"not_sought", "refused"} and not attrs.get("consent_reason"):
            raise serializers.ValidationError({"consent_reason": "Say why consent was not sought or was overridden."})
        return attrs


class ReferralStatusSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="get_status_display")
    outcome = serializers.CharField(source="get_outcome_display")

    class Meta:
        model = Contact
        fields = ["reference", "status", "received_at", "decision_due_at", "outcome", "outcome_reason", "decided_at"]


def _draft_from(data):
    draft = {"kind": "professional", **{k: data.get(k, []) for k in ("children", "people", "vehicles", "phones", "handles", "places")}}
    draft.update(concern=data["concern"], when_happened=data.get("when_happened", ""))
    draft["referral"] = {"role": data["referrer_role"], "family_knows": data["family_knows"],
                         "consent": data["consent"], "consent_reason": data.get("consent_reason", "")}
    return draft


class ReferralListCreate(generics.ListCreateAPIView):
    permission_classes = [IsReferrer]
    serializer_class = ReferralStatusSerializer

    def get_queryset(self):
        return Contact.objects.visible_to(self.request.user).order_by("-received_at")

    @extend_schema(request=ReferralCreateSerializer, responses={
        201: OpenApiResponse(ReferralStatusSerializer, description="The referral was made"),
        200: OpenApiResponse(ReferralStatusSerializer, description="The same submission_key was sent before: the "
                                                                   "referral it made, unchanged")})
    def post(self, request):
        incoming = ReferralCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        key = f"api:{request.user.pk}:{data.get('submission_key') or uuid.uuid4().hex}"
        contact, created = submit_contact(_draft_from(data), submission_key=key, referrer=request.user,
                                          channel=Contact.Channel.API, request=request)
        if contact.referrer_id != request.user.pk:
            raise NotFound()
        return Response(ReferralStatusSerializer(contact).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ReferralStatus(generics.RetrieveAPIView):
    permission_classes = [IsReferrer]
    serializer_class = ReferralStatusSerializer
    lookup_field = "reference"

    def get_queryset(self):
        return Contact.objects.visible_to(self.request.user)

    def get_object(self):
        contact = super().get_object()
        record("contact_viewed", user=self.request.user, obj=contact, request=self.request)
        return contact
