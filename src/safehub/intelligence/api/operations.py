"""API v1 for police and partner systems: operations, with their disruption measures (and breaches) and
justice steps. Operations are fetched through the access policy and each look at one is audited; people of
concern and children are named only where the caller may open them; every change goes through
`safehub.intelligence.actions.operations`, as on the pages."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from safehub.access.policy import is_signed_in
from safehub.audit.trail import record as audit
from safehub.cases.api import _run
from safehub.cases.models import Child
from safehub.intelligence import policy
from safehub.intelligence.actions import operations as actions
from safehub.intelligence.models import Breach, Disruption, JusticeStep, Operation, PersonOfConcern

PAGE_LIMIT = 500


class IsOperationReader(BasePermission):
    message = "Only workers, managers, analysts and investigators of a partner agency may use the operations API."

    def has_permission(self, request, view):
        user = request.user
        return is_signed_in(user) and user.role in policy.OPERATION_READERS and bool(user.agency_id)


def _visible_people(request):
    if not hasattr(request, "_visible_people"):
        request._visible_people = set(PersonOfConcern.objects.visible_to(request.user).values_list("pk", flat=True))
    return request._visible_people


class BreachSerializer(serializers.ModelSerializer):
    class Meta:
        model = Breach
        fields = ["id", "happened_at", "details", "recorded_at"]


class DisruptionSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(
        queryset=PersonOfConcern.objects.none(), required=False, allow_null=True, default=None,
        help_text="The person of concern it was served on (id); null for a place, or a person you cannot open")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    breaches = BreachSerializer(many=True, read_only=True)
    months = serializers.IntegerField(write_only=True, required=False, allow_null=True, min_value=1,
                                      help_text="Closure order: the months the court gave (at most 3)")
    years = serializers.IntegerField(write_only=True, required=False, allow_null=True, min_value=1,
                                     help_text="SRO (at least 2) or SHPO (at least 5): the term in years")
    until_further_order = serializers.BooleanField(write_only=True, required=False, default=False,
                                                   help_text="SRO or SHPO made until further order")

    class Meta:
        model = Disruption
        fields = ["id", "kind", "kind_label", "person", "place", "served_at", "ends_at", "review_on", "extended",
                  "notes", "breaches", "months", "years", "until_further_order"]
        read_only_fields = ["id", "ends_at", "review_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["person"].queryset = PersonOfConcern.objects.visible_to(request.user)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if data["person"] is not None and request is not None and data["person"] not in _visible_people(request):
            data["person"] = None
        return data


class JusticeStepSerializer(serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=PersonOfConcern.objects.none(),
                                                help_text="The person of concern (id)")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = JusticeStep
        fields = ["id", "person", "kind", "kind_label", "at", "details", "bail_ends_on", "recorded_at"]
        read_only_fields = ["id", "bail_ends_on", "recorded_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["person"].queryset = PersonOfConcern.objects.visible_to(request.user)


class OperationSerializer(serializers.ModelSerializer):
    owning_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lead = serializers.StringRelatedField()
    people = serializers.PrimaryKeyRelatedField(many=True, read_only=True,
                                                help_text="People of concern you may open (ids)")
    children = serializers.SlugRelatedField(many=True, read_only=True, slug_field="reference",
                                            help_text="Children's records you may open")

    class Meta:
        model = Operation
        fields = ["id", "reference", "name", "owning_agency", "lead", "status", "opened_at", "profile_refreshed_on",
                  "profile_due", "people", "children"]


class OperationDetailSerializer(OperationSerializer):
    disruptions = DisruptionSerializer(many=True, read_only=True)
    justice_steps = serializers.SerializerMethodField()

    class Meta(OperationSerializer.Meta):
        fields = OperationSerializer.Meta.fields + ["profile_victims", "profile_offenders", "profile_locations",
                                                    "profile_themes", "disruptions", "justice_steps"]

    @extend_schema(responses=JusticeStepSerializer(many=True))
    def get_justice_steps(self, operation) -> list:
        shown = _visible_people(self.context["request"])
        steps = [step for step in operation.justice_steps.all() if step.person_id in shown]
        return JusticeStepSerializer(steps, many=True, context=self.context).data


def _operations(user):
    return (Operation.objects.visible_to(user).select_related("owning_agency", "lead")
            .prefetch_related(Prefetch("people", queryset=PersonOfConcern.objects.visible_to(user)),
                              Prefetch("children", queryset=Child.objects.visible_to(user))))


class OperationList(generics.ListAPIView):
    permission_classes = [IsOperationReader]
    serializer_class = OperationSerializer

    def get_queryset(self):
        return _operations(self.request.user).order_by("pk")[:PAGE_LIMIT]


def _open_operation(request, operation_id, queryset=None):
    """The operation through the policy, its look audited; one the caller may not open is simply not found."""
    operation = (queryset if queryset is not None else Operation.objects.visible_to(request.user)) \
        .filter(pk=operation_id).first()
    if operation is None:
        raise NotFound("No operation with that id that you can open.")
    if request.method == "GET":
        audit("operation_viewed", user=request.user, obj=operation, request=request)
    return operation


class OperationDetail(generics.RetrieveAPIView):
    permission_classes = [IsOperationReader]
    serializer_class = OperationDetailSerializer

    def get_object(self):
        queryset = _operations(self.request.user).prefetch_related("disruptions__breaches", "justice_steps")
        return _open_operation(self.request, self.kwargs["operation_id"], queryset)


class OperationPart(generics.ListCreateAPIView):
    """A list of one kind of thing on an operation, and recording one (the operation's runners only)."""

    permission_classes = [IsOperationReader]

    def operation(self):
        if not hasattr(self, "_operation"):
            self._operation = _open_operation(self.request, self.kwargs["operation_id"])
        return self._operation

    def create(self, request, *args, **kwargs):
        operation = self.operation()
        if not policy.may_run(request.user, operation, visible=True):
            raise ApiPermissionDenied("Only the analysts, investigators and managers of the agency running the "
                                      "operation may change it.")
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        made = _run(lambda: self.make(operation, dict(incoming.validated_data)))
        return Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)


class DisruptionList(OperationPart):
    serializer_class = DisruptionSerializer

    def get_queryset(self):
        return self.operation().disruptions.select_related("person").prefetch_related("breaches").order_by("served_at")

    @extend_schema(responses={201: DisruptionSerializer})
    def post(self, request, *args, **kwargs):
        return self.create(request, *args, **kwargs)

    def make(self, operation, data):
        return actions.serve_disruption(self.request.user, operation, request=self.request, **data)


class JusticeStepList(OperationPart):
    serializer_class = JusticeStepSerializer

    def get_queryset(self):
        return (self.operation().justice_steps.filter(person_id__in=_visible_people(self.request))
                .order_by("at", "pk"))

    @extend_schema(responses={201: JusticeStepSerializer})
    def post(self, request, *args, **kwargs):
        return self.create(request, *args, **kwargs)

    def make(self, operation, data):
        person = data.pop("person")
        return actions.record_justice_step(self.request.user, operation, person, request=self.request, **data)
