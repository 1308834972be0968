"""API v1: people of concern, read through the same policy as the pages, every look audited."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission

from safehub.access.policy import is_signed_in
from safehub.intelligence import queries
from safehub.intelligence.actions.people import PERSON_FIELDS
from safehub.intelligence.models import PersonDetail, PersonOfConcern
from safehub.intelligence.policy import PERSON_READERS
from safehub.intelligence.records import open_visible

PAGE_LIMIT = 500


class IsPersonReader(BasePermission):
    message = "Only workers, managers, analysts and investigators of a partner agency may read people of concern."

    def has_permission(self, request, view):
        return is_signed_in(request.user) and request.user.role in PERSON_READERS and bool(request.user.agency_id)


class PersonDetailSerializer(serializers.ModelSerializer):
    associate = serializers.SlugRelatedField(slug_field="reference", read_only=True,
                                             help_text="The associate's own record, if they are a person of concern")

    class Meta:
        model = PersonDetail
        fields = ["kind", "value", "note", "associate", "added_at"]


class PersonOfConcernSerializer(serializers.ModelSerializer):
    owning_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    details = PersonDetailSerializer(many=True, read_only=True,
                               help_text="Phones, vehicles, online accounts, addresses and associates")
    ethnicity_answer = serializers.SerializerMethodField(
        help_text="recorded, not_known, refused or not_asked (a blank ethnicity: the question was never asked)")
    nationality_answer = serializers.SerializerMethodField(help_text="recorded, not_known, refused or not_asked")
    disability_answer = serializers.SerializerMethodField(
        help_text="yes, no, not_known, refused or not_asked (a blank disability: the question was never asked)")
    promoted_from_entities = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="The linking entities it was promoted from (empty if added directly)")

    class Meta:
        model = PersonOfConcern
        fields = ["id", "reference", "owning_agency", *PERSON_FIELDS, "ethnicity_answer", "disability_answer", "created_at",
                  "promoted_from_entities", "details"]

    def get_ethnicity_answer(self, person) -> str:
        return queries.ethnicity_answer(person)

    def get_nationality_answer(self, person) -> str:
        return queries.nationality_answer(person)

    def get_disability_answer(self, person) -> str:
        return person.disability or "not_asked"


@extend_schema_view(get=extend_schema(summary="People of concern you may open (at most 500)"))
class PersonList(generics.ListAPIView):
    permission_classes = [IsPersonReader]
    serializer_class = PersonOfConcernSerializer

    def get_queryset(self):
        return (PersonOfConcern.objects.visible_to(self.request.user).select_related("owning_agency")
                .prefetch_related("details__associate", "promoted_from_entities").order_by("pk")[:PAGE_LIMIT])


@extend_schema_view(get=extend_schema(summary="One person of concern (404 if you may not open it; audited)"))
class PersonDetailView(generics.RetrieveAPIView):
    permission_classes = [IsPersonReader]
    serializer_class = PersonOfConcernSerializer

    def get_object(self):
        return open_visible(self.request, "person", self.kwargs["person_id"])
