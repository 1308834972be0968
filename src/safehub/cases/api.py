"""API v1 for agency case systems: children, cases, risk screenings, plan actions and meetings.

Every record is fetched through the access policy and every look is audited; every change goes through
`safehub.cases.actions`, exactly as the web pages do.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from safehub import risk
from safehub.access.policy import AGENCY_READER_ROLES, can, is_signed_in
from safehub.access.records import Restricted, open_record
from safehub.accounts.models import Agency
from safehub.cases import actions, queries
from safehub.cases.actions import CHILD_FIELDS
from safehub.cases.models import Case, Child, Meeting, PlanAction, RiskAssessment

PAGE_LIMIT = 500


class IsCaseReader(BasePermission):
    message = "Only screeners, workers, managers and analysts of a partner agency may use the case API."

    def has_permission(self, request, view):
        return is_signed_in(request.user) and request.user.role in AGENCY_READER_ROLES and bool(request.user.agency_id)


def _run(change):
    """Run an action, turning its refusals into API errors."""
    try:
        return change()
    except PermissionDenied as refused:
        raise ApiPermissionDenied(str(refused)) from None
    except (ValidationError, ValueError) as invalid:
        raise ApiValidationError({"detail": getattr(invalid, "messages", [str(invalid)])}, code="rule") from None


class ChildRecordSerializer(serializers.ModelSerializer):
    owning_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    merged_into = serializers.SlugRelatedField(slug_field="reference", read_only=True,
                                               help_text="The record this one was merged into, if it was")

    class Meta:
        model = Child
        fields = ["reference", "owning_agency", *CHILD_FIELDS, "created_at", "merged_into"]
        read_only_fields = ["reference", "owning_agency", "created_at", "merged_into"]

    # ten digits, spaces allowed; the check digit is checked too (422 when it is wrong)
    request_schema_rules = {"properties": {"nhs_number": {"pattern": r"^(?:(?:[0-9] *){9}[0-9])?$"}}}


class CaseSerializer(serializers.ModelSerializer):
    child = serializers.SlugRelatedField(slug_field="reference", queryset=Child.objects.none())
    owning_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    allocated_to = serializers.StringRelatedField(allow_null=True, help_text="The worker holding it (null until allocated)")
    closure_outcome = serializers.ChoiceField(choices=Case.ClosureOutcome.choices, allow_blank=True, read_only=True,
                                              help_text="Blank while the case is open")
    source_contact = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    risk = serializers.CharField(source="risk_label", read_only=True)

    class Meta:
        model = Case
        fields = ["reference", "child", "owning_agency", "source_contact", "status", "opened_at", "allocated_to",
                  "assessment_due", "assessment_extended_to", "assessment_completed_on", "conference_due",
                  "review_due", "risk", "risk_reassessment_due", "closure_outcome", "closed_at"]
        read_only_fields = [name for name in fields if name != "child"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["child"].queryset = Child.objects.visible_to(request.user).current()


class AssessmentSerializer(serializers.ModelSerializer):
    harms = serializers.ListField(
        child=serializers.ChoiceField(choices=list(risk.HARMS)), min_length=1, max_length=len(risk.HARMS),
        help_text="kinds of harm seen, at least one: " + ", ".join(risk.HARMS) + " (empty on screenings made before "
        "this was asked)")
    settings = serializers.ListField(
        child=serializers.ChoiceField(choices=list(risk.SETTINGS)), required=False, max_length=len(risk.SETTINGS),
        help_text="settings where it happened: " + ", ".join(risk.SETTINGS))
    vulnerabilities = serializers.ListField(child=serializers.ChoiceField(choices=list(risk.VULNERABILITIES)),
                                            required=False, max_length=50)
    moderate = serializers.ListField(child=serializers.ChoiceField(choices=list(risk.MODERATE_INDICATORS)),
                                     required=False, max_length=50)
    significant = serializers.DictField(child=serializers.ChoiceField(choices=risk.Timing.values), required=False,
                                        help_text="indicator key -> timing (recent, earlier, both, older)")
    judgement = serializers.ChoiceField(choices=risk.RiskCategory.choices, required=False, allow_null=True,
                                        write_only=True)
    tool_result = serializers.CharField(source="get_tool_category_display", read_only=True)
    final_result = serializers.CharField(source="get_final_category_display", read_only=True)

    class Meta:
        model = RiskAssessment
        fields = ["id", "assessed_on", "harms", "settings", "vulnerabilities", "moderate", "significant", "disclosure",
                  "judgement",
                  "judgement_reason", "notes", "tool_result", "final_result", "overrides", "reassessment_due"]
        read_only_fields = ["id", "overrides", "reassessment_due"]


class ActionSerializer(serializers.ModelSerializer):
    owner_agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.all())

    class Meta:
        model = PlanAction
        fields = ["id", "description", "owner_name", "owner_agency", "due_on", "status", "meeting"]
        read_only_fields = ["id", "status", "meeting"]


class AttendeeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    agency = serializers.SlugRelatedField(slug_field="code", queryset=Agency.objects.all())
    role = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MeetingSerializer(serializers.ModelSerializer):
    attendees = AttendeeSerializer(many=True, max_length=40)
    actions = ActionSerializer(many=True, required=False, max_length=40)
    people_of_concern = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Meeting.people_of_concern.field.related_model.objects.none(),
        help_text="Offenders discussed who have a person of concern record you may open (ids)")

    class Meta:
        model = Meeting
        fields = ["id", "kind", "held_at", "chair", "section_47", "victims", "offenders", "people_of_concern",
                  "locations", "themes", "discussion", "decisions", "attendees", "actions"]
        read_only_fields = ["id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["people_of_concern"].child_relation.queryset = queries.people_of_concern(request.user)

    def to_representation(self, meeting):
        data = super().to_representation(meeting)
        request = self.context.get("request")
        if request is not None:
            if "people_shown" not in self.context:  # once per response: the people the caller may open
                self.context["people_shown"] = set(queries.people_of_concern(request.user).values_list("pk", flat=True))
            data["people_of_concern"] = [pk for pk in data["people_of_concern"] if pk in self.context["people_shown"]]
        return data


class ChildList(generics.ListCreateAPIView):
    permission_classes = [IsCaseReader]
    serializer_class = ChildRecordSerializer

    def get_queryset(self):
        return Child.objects.visible_to(self.request.user).current().order_by("pk")[:PAGE_LIMIT]

    def perform_create(self, serializer):
        serializer.instance = _run(lambda: actions.create_child(self.request.user, request=self.request,
                                                                **serializer.validated_data))


def _open(request, kind, reference):
    """The child or case through the policy, its look audited; a restricted one is simply not found here."""
    try:
        return open_record(request, kind, reference)
    except Restricted:
        raise NotFound("No record with that reference that you can open.") from None


class ChildDetail(generics.RetrieveAPIView):
    permission_classes = [IsCaseReader]
    serializer_class = ChildRecordSerializer

    def get_object(self):
        return _open(self.request, "child", self.kwargs["reference"])


class CaseList(generics.ListCreateAPIView):
    permission_classes = [IsCaseReader]
    serializer_class = CaseSerializer

    def get_queryset(self):
        return (Case.objects.visible_to(self.request.user).select_related("child", "owning_agency", "allocated_to",
                                                                          "source_contact").order_by("pk")[:PAGE_LIMIT])

    def perform_create(self, serializer):
        child = serializer.validated_data["child"]
        serializer.instance = _run(lambda: actions.open_case(self.request.user, child, request=self.request))


class CaseDetail(generics.RetrieveAPIView):
    permission_classes = [IsCaseReader]
    serializer_class = CaseSerializer

    def get_object(self):
        return _open(self.request, "case", self.kwargs["reference"])


class CasePart(generics.ListCreateAPIView):
    """A list of one kind of thing on a case, and adding one."""

    permission_classes = [IsCaseReader]

    def case(self):
        if not hasattr(self, "_case"):
            self._case = _open(self.request, "case", self.kwargs["reference"])
        return self._case

    def create(self, request, *args, **kwargs):
        case = self.case()
        if not can(request.user, "work", case, visible=True):
            raise ApiPermissionDenied("Your role does not allow changing this case.")
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with transaction.atomic():
            made = _run(lambda: self.make(case, dict(incoming.validated_data)))
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)


class AssessmentList(CasePart):
    serializer_class = AssessmentSerializer

    def get_queryset(self):
        return self.case().risk_assessments.all()

    def make(self, case, data):
        return actions.record_risk_screening(self.request.user, case, request=self.request, **data)


class ActionList(CasePart):
    serializer_class = ActionSerializer

    def get_queryset(self):
        return self.case().actions.select_related("owner_agency")

    def make(self, case, data):
        return actions.add_plan_action(self.request.user, case, request=self.request, **data)


class MeetingList(CasePart):
    serializer_class = MeetingSerializer

    def get_queryset(self):
        return self.case().meetings.prefetch_related("attendees__agency", "actions__owner_agency", "people_of_concern")

    @extend_schema(responses={201: MeetingSerializer})
    def post(self, request, *args, **kwargs):
        return self.create(request, *args, **kwargs)

    def make(self, case, data):
        return actions.record_meeting(self.request.user, case, request=self.request,
                                      attendees=[dict(row) for row in data.pop("attendees")],
                                      actions=[dict(row) for row in data.pop("actions", [])], **data)
