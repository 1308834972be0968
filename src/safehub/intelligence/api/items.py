"""API v1: intelligence items for their readers (the owning agency's analysts and investigators). There is no
partner access to items through the API: anyone else is told the item is not found."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission

from safehub.access.policy import AGENCY_READER_ROLES, is_signed_in
from safehub.intelligence.models import IntelligenceItem, IntelligenceMention
from safehub.intelligence.policy import INTELLIGENCE_READERS
from safehub.intelligence.records import open_visible

PAGE_LIMIT = 500


class IsIntelligenceReader(BasePermission):
    message = "Only analysts and investigators may list intelligence items."

    def has_permission(self, request, view):
        return is_signed_in(request.user) and request.user.role in INTELLIGENCE_READERS and bool(request.user.agency_id)


class IsAgencyReader(BasePermission):
    """Any partner agency's staff may ask for an item; the policy then finds it only for its readers, so a
    partner is told "not found" rather than that the item exists."""

    def has_permission(self, request, view):
        return is_signed_in(request.user) and request.user.role in AGENCY_READER_ROLES and bool(request.user.agency_id)


class IntelligenceNamedSerializer(serializers.ModelSerializer):
    class Meta:
        model = IntelligenceMention
        fields = ["kind", "value"]


class IntelligenceItemSerializer(serializers.ModelSerializer):
    owning_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    submitted_by = serializers.StringRelatedField()
    people = serializers.SlugRelatedField(slug_field="reference", many=True, read_only=True,
                                          help_text="People of concern the item is about")
    operation = serializers.StringRelatedField(help_text="The operation it belongs to, if any")
    named = IntelligenceNamedSerializer(many=True, read_only=True,
                            help_text="The people, children, nicknames, phones, vehicles, accounts and places it names")
    grading = serializers.CharField(read_only=True, help_text="source/intelligence/handling, e.g. 2/B/C")

    class Meta:
        model = IntelligenceItem
        fields = ["id", "reference", "owning_agency", "scheme", "grading", "source_grade", "intelligence_grade",
                  "handling_code", "handling_condition", "text", "sanitised_summary", "received_at", "submitted_by",
                  "submitted_at", "people", "operation", "named"]


ITEMS = (IntelligenceItem.objects.select_related("owning_agency", "submitted_by", "operation")
         .prefetch_related("people", "named"))


@extend_schema_view(get=extend_schema(summary="Intelligence items you may open (analysts and investigators of "
                                              "the owning agency; at most 500)"))
class ItemList(generics.ListAPIView):
    permission_classes = [IsIntelligenceReader]
    serializer_class = IntelligenceItemSerializer

    def get_queryset(self):
        return ITEMS.visible_to(self.request.user).order_by("-received_at", "-pk")[:PAGE_LIMIT]


@extend_schema_view(get=extend_schema(summary="One intelligence item (404 unless you may open it; audited)"))
class ItemDetail(generics.RetrieveAPIView):
    permission_classes = [IsAgencyReader]
    serializer_class = IntelligenceItemSerializer

    def get_object(self):
        return open_visible(self.request, "intelligence", self.kwargs["item_id"], queryset=ITEMS)


class SharedSummarySerializer(serializers.Serializer):
    """What a partner may read of an item: never its text, source, reference or what it names."""

    received_at = serializers.DateTimeField()
    scheme = serializers.CharField()
    grading = serializers.CharField(help_text="source/intelligence/handling, e.g. 2/B/C")
    summary = serializers.CharField(help_text="The sanitised summary written for sharing")
    source = serializers.CharField(help_text="The source grade in words")
    intelligence = serializers.CharField(help_text="The intelligence grade in words")
    handling = serializers.CharField(help_text="The handling code in words")
    condition = serializers.CharField(allow_blank=True, help_text="The condition to follow (handling code C)")


@extend_schema_view(get=extend_schema(summary="Sanitised intelligence summaries about a child's record you may "
                                              "open, where the handling code allows (each read audited)"))
class ChildSummaries(generics.ListAPIView):
    """The same policy as the child's page: a partner reads the summary and the condition, never the item."""

    permission_classes = [IsAgencyReader]
    serializer_class = SharedSummarySerializer
    pagination_class = None

    def get_queryset(self):
        from safehub.cases.api import _open
        from safehub.intelligence.sharing import sanitised_summaries

        child = _open(self.request, "child", self.kwargs["reference"])
        return sanitised_summaries(self.request.user, child=child, request=self.request)
