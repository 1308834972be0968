"""Mentions, entities, person links and networks.

Every person, nickname, phone, vehicle, online handle and place named in a report, referral, child record or
case is a Mention with its source and role. Mentions resolve to Entities: selectors by their normalised
value (the same phone is one entity however it was written), people by probabilistic matching (PersonLink
rows carry each pair's evidence and the analyst's judgement). Networks are snapshots of the entity graph.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Entity(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        CHILD = "child", "Child"
        NICKNAME = "nickname", "Nickname"
        PHONE = "phone", "Phone"
        VEHICLE = "vehicle", "Vehicle"
        HANDLE = "handle", "Online account"
        PLACE = "place", "Place"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=200, blank=True, help_text="The normalised value of a selector")
    label = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], condition=~models.Q(key=""),
                                               name="one_entity_per_selector")]
        indexes = [models.Index(fields=["kind", "key"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.label}"


class Mention(models.Model):
    class Role(models.TextChoices):
        CHILD = "child", "Child"
        PERSON_OF_CONCERN = "person_of_concern", "Person of concern"
        WITNESS = "witness", "Witness"
        REPORTER = "reporter", "Reporter"
        FAMILY = "family", "Family or carer"
        OTHER = "other", "Someone else's (a business or public number)"
        UNKNOWN = "unknown", "Not known"

    kind = models.CharField(max_length=10, choices=Entity.Kind.choices)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.UNKNOWN)
    raw = models.CharField(max_length=500)
    key = models.CharField(max_length=200, blank=True, help_text="The normalised value (selectors)")
    pattern = models.CharField(max_length=40, blank=True, help_text="A partial mark or number, as a LIKE pattern")
    entity = models.ForeignKey(Entity, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentions")

    contact = models.ForeignKey("intake.Contact", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="mentions")
    child_record = models.ForeignKey("cases.Child", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="mentions")
    intelligence = models.ForeignKey("intelligence.IntelligenceItem", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="mentions")
    person_of_concern = models.ForeignKey("intelligence.PersonOfConcern", null=True, blank=True,
                                          on_delete=models.CASCADE, related_name="mentions")
    source_detail = models.CharField(max_length=40, blank=True, help_text="e.g. intake.contactperson:12")

    # What the person matcher compares (people and children only).
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    nicknames = models.CharField(max_length=300, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    first_key = models.CharField(max_length=100, blank=True, db_index=True, help_text="variant group of the first name")
    last_key = models.CharField(max_length=100, blank=True, db_index=True)
    nickname_key = models.CharField(max_length=100, blank=True, db_index=True, help_text="the first nickname")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "key"]), models.Index(fields=["kind", "date_of_birth"]),
                   # Each blocking rule of the person model is answered from an index (ADR 32): a first name's
                   # variant group alone matches thousands of mentions, with the surname a handful.
                   models.Index(fields=["first_key", "last_key"], name="mention_first_last_key"),
                   models.Index(fields=["last_key", "first_name"], name="mention_names_swapped"),
                   models.Index(fields=["date_of_birth"], name="mention_date_of_birth"),
                   models.Index(fields=["postcode"], name="mention_postcode")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.raw!r}"

    @property
    def source_record(self):
        """The report, child's record, intelligence item or person of concern the mention comes from."""
        return self.contact or self.child_record or self.intelligence or self.person_of_concern


class PersonLink(models.Model):
    """A judged pair of person mentions: the matcher's evidence and band, and the analyst's decision."""

    class Band(models.TextChoices):
        AUTO = "auto", "Linked automatically"
        REVIEW = "review", "Needs review"
        NONE = "none", "Not linked"

    class Judgement(models.TextChoices):
        NONE = "", "Not judged"
        CONFIRMED = "confirmed", "Confirmed by an analyst"
        REJECTED = "rejected", "Rejected by an analyst"

    left = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="+")
    match_weight = models.FloatField()
    probability = models.FloatField()
    band = models.CharField(max_length=10, choices=Band.choices)
    evidence = models.JSONField(default=list, help_text="[{field, comparison, weight}] in order")
    model_version = models.CharField(max_length=40, blank=True)
    judgement = models.CharField(max_length=10, choices=Judgement.choices, blank=True, default="")
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    judged_at = models.DateTimeField(null=True, blank=True)
    judgement_reason = models.TextField(blank=True)
    scored_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["left", "right"], name="one_link_per_pair"),
                       models.CheckConstraint(condition=models.Q(left__lt=models.F("right")), name="link_pair_ordered")]

    @property
    def joins(self):
        """Whether the pair counts as the same person: an analyst's decision wins over the matcher's band."""
        if self.judgement:
            return self.judgement == self.Judgement.CONFIRMED
        return self.band == self.Band.AUTO


class ModelVersion(models.Model):
    """A trained person-matching model (Splink's JSON), kept for every version; one is active."""

    version = models.CharField(max_length=40, unique=True)
    trained_at = models.DateTimeField(default=timezone.now)
    trained_on = models.CharField(max_length=300)
    model = models.JSONField()
    active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-trained_at"]


class Network(models.Model):
    """One network of records, kept under one identity as it grows, merges and splits (ADR 28): its reference
    (`N-000123`, from the row id) stays while it grows; when two merge, the one sharing the most records with
    the new network keeps its row and the other is retired, pointing at it; when one splits, the part sharing
    the most records keeps it and the other gets a new row pointing back. Its members are records of four kinds
    (`safehub.linking.sources`), each kind's ids in its own field, and (for look-ups) in `NetworkMember`."""

    computed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    intelligence_seen = models.CharField(max_length=20, default="none", db_index=True,
                                         help_text="The intelligence items it was computed with: 'none', 'all' "
                                                   "or a fingerprint of the set's name (networks.seen_by); shown "
                                                   "only to those who may open exactly those")
    part = models.CharField(max_length=20, blank=True, db_index=True,
                            help_text="The connected part it came from before Leiden split it (its first record "
                                      "key): what hub counts are kept by between full recomputations")
    contact_ids = models.JSONField(default=list)
    child_record_ids = models.JSONField(default=list)
    intelligence_ids = models.JSONField(default=list)
    person_ids = models.JSONField(default=list, help_text="People of concern")
    entity_ids = models.JSONField(default=list)
    communities = models.JSONField(default=dict, help_text="entity id -> Leiden community")
    graph = models.CharField(max_length=40, blank=True,
                             help_text="A fingerprint of the mention rows the communities were worked out from: "
                                       "while they are the same, the communities are not worked out again")
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=300, blank=True)
    newest_activity = models.DateTimeField(null=True)
    ties = models.JSONField(default=list, help_text="[{entity, strength, records: ['c12', 'r3']}], strongest first")
    retired_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                      help_text="When it stopped being a network (merged into another or gone)")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    split_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-flagged", "-newest_activity"]
        indexes = [models.Index(fields=["intelligence_seen", "part"])]

    @property
    def reference(self):
        return network_reference(self.pk)


def network_reference(pk):
    return f"N-{pk:06d}"


class NetworkMember(models.Model):
    """A record of a current network (one row per record and set of intelligence seen): which network a
    record is in, by index, for the incremental upkeep."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="members")
    intelligence_seen = models.CharField(max_length=20)
    record = models.CharField(max_length=20, help_text="A record key: c12, r5, i3, p7")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["intelligence_seen", "record"], name="one_network_per_record")]


class NetworkState(models.Model):
    """The networks computed with one set of intelligence items: the rule naming the set (to read its items
    again for an incremental update), and when they were last brought up to date in full and at all."""

    intelligence_seen = models.CharField(max_length=20, unique=True)
    name = models.TextField(help_text="The set's name (access.policy.visible_named), 'none' or 'all'")
    updated_at = models.DateTimeField(default=timezone.now)
    full_at = models.DateTimeField(null=True, blank=True)
    needs_full = models.BooleanField(default=False, help_text="A change incremental upkeep could not follow")


class PendingNetworkChange(models.Model):
    """A record changed (a report filed or added to, a link judged, a selector marked...) whose networks the
    background worker has not yet brought up to date (`linking.tasks.update_networks`, ADR 28)."""

    record = models.CharField(max_length=20, help_text="A record key: c12, r5, i3, p7")
    new = models.BooleanField(default=False, help_text="The record did not exist before the change")
    changed_at = models.DateTimeField(default=timezone.now)


class Hub(models.Model):
    """A selector shared by many otherwise separate groups of records (a taxi firm's phone, a popular
    nickname): shown to analysts, never followed to join records. Kept with the networks."""

    intelligence_seen = models.CharField(max_length=20, default="none", db_index=True)
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="+")
    groups = models.PositiveIntegerField(help_text="How many otherwise separate groups of records name it (exact "
                                                   "after a full recomputation, a lower bound in between)")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["intelligence_seen", "entity"], name="one_hub_per_set")]


class SelectorMark(models.Model):
    """An analyst's "not linking" mark on a selector (a known taxi firm, a school's phone): it joins nothing
    while the mark stands. Undoing keeps the row, so the history stays."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="marks")
    reason = models.TextField()
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["entity"], condition=models.Q(undone_at__isnull=True),
                                               name="one_standing_mark_per_selector")]

    @property
    def standing(self):
        return self.undone_at is None
