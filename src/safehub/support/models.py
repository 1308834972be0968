"""Support for victims and survivors: adult survivor records, support plans (services, the person's own words
and wishes, goals), safe contact preferences, consent, and the Victims' Code notifications owed after each key
justice decision. Every change goes through `safehub.support.actions`; every deadline comes from
`safehub.clock`.

A support plan, safe contact preferences and consent records belong to a person: a child (plan on a case,
preferences and consent on the child's record) or an adult survivor (all on their record). They have no
access rules of their own (ADR 8): they are reached only through the case, child or survivor record.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from safehub.access.policy import VisibleQuerySet
from safehub.intake.models import SafeContactFields, SurvivorAnswers


def _one_of(*fields):
    """A check that exactly one of these foreign keys is set."""
    options = []
    for field in fields:
        options.append(models.Q(**{f"{field}__isnull": False},
                                **{f"{other}__isnull": True for other in fields if other != field}))
    condition = options[0]
    for option in options[1:]:
        condition |= option
    return condition


class AdultSurvivor(models.Model):
    """An adult who reported abuse they suffered as a child, long ago: no child's record, no child case. Opened
    by a screener from their non-recent report and routed, with their consent, to the police and support."""

    reference = models.CharField(max_length=20, unique=True, null=True)
    owning_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="adult_survivors")
    contact = models.ForeignKey("intake.Contact", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="survivor_records")
    name = models.CharField(max_length=200, blank=True, help_text="As they gave it; blank if anonymous")
    wants = models.CharField(max_length=20, choices=SurvivorAnswers.Wants.choices)
    summary = models.TextField(blank=True, help_text="What the screener noted on opening the record")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    operations = models.ManyToManyField("intelligence.Operation", blank=True, related_name="adult_survivors",
                                        help_text="Investigations they are a victim in (Victims' Code)")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self):
        return self.name or f"Anonymous survivor {self.reference or ''}".strip()


class SafeContact(SafeContactFields):
    """How to contact a child or an adult survivor safely. Shown first on every page that shows a way of
    contacting them."""

    child = models.OneToOneField("cases.Child", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="safe_contact")
    survivor = models.OneToOneField(AdultSurvivor, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="safe_contact")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=_one_of("child", "survivor"), name="safe_contact_one_person")]


class Consent(models.Model):
    """What the person agreed may be shared, and with whom; when; and its withdrawal."""

    class Scope(models.TextChoices):
        SHARE_RECORD = "share_record", "Share their record"
        POLICE = "police", "Report to the police (share their record with the police)"
        REFERRAL = "referral", "Refer them to a support service"
        CONTACT = "contact", "Be contacted by a service"

    class GivenBy(models.TextChoices):
        PERSON = "person", "The person themselves"
        PARENT = "parent", "A parent or carer"
        OTHER = "other", "Someone else with authority (say who in the notes)"

    child = models.ForeignKey("cases.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="consents")
    survivor = models.ForeignKey(AdultSurvivor, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="consents")
    scope = models.CharField(max_length=20, choices=Scope.choices)
    agency = models.ForeignKey("accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               help_text="The partner agency it may go to")
    with_whom = models.CharField(max_length=200, blank=True, help_text="A provider outside Safehub's agencies")
    given_on = models.DateField()
    given_by = models.CharField(max_length=10, choices=GivenBy.choices, default=GivenBy.PERSON)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=_one_of("child", "survivor"), name="consent_one_person"),
            models.CheckConstraint(condition=~models.Q(agency=None, with_whom=""), name="consent_names_whom"),
        ]

    @property
    def active(self):
        return self.withdrawn_on is None

    def whom(self):
        return self.agency.name if self.agency_id else self.with_whom


class SupportPlan(models.Model):
    """The support plan of a child (on their case) or of an adult survivor."""

    case = models.OneToOneField("cases.Case", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="support_plan")
    survivor = models.OneToOneField(AdultSurvivor, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="support_plan")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=_one_of("case", "survivor"), name="support_plan_one_owner")]


class SupportService(models.Model):
    """One service in a plan: which, who provides it, when referred, where it stands, and what came of it."""

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        WAITING = "waiting", "Waiting"
        ENDED = "ended", "Ended"

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="services")
    service = models.CharField(max_length=40, help_text="A key of SAFEHUB_SUPPORT_SERVICES")
    provider = models.CharField(max_length=200)
    referred_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    outcome = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["referred_on", "pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(status="ended", outcome=""),
                                              name="ended_service_has_outcome")]

    def service_label(self):
        return dict(settings.SAFEHUB_SUPPORT_SERVICES).get(self.service, self.service)


class VoiceEntry(models.Model):
    """The person's own words, or a wish, written as they said them."""

    class Kind(models.TextChoices):
        WORDS = "words", "In their own words"
        WISH = "wish", "A wish"

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="voice")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    said_on = models.DateField()
    text = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-said_on", "-pk"]


class SupportGoal(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        GOING = "going", "Going well"
        STUCK = "stuck", "Stuck"
        MET = "met", "Met"
        DROPPED = "dropped", "No longer wanted"

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="goals")
    goal = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.TextField(blank=True, help_text="How it is going, latest first")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pk"]


class VictimNotification(models.Model):
    """A victim must be told of a key justice decision about their case within 1 working day (the Victims'
    Code enhanced service for victims of child sexual exploitation)."""

    step = models.ForeignKey("intelligence.JusticeStep", on_delete=models.CASCADE, related_name="victim_notifications")
    child = models.ForeignKey("cases.Child", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="victim_notifications")
    survivor = models.ForeignKey(AdultSurvivor, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="victim_notifications")
    decision = models.CharField(max_length=200)
    due_at = models.DateTimeField(db_index=True)
    told_at = models.DateTimeField(null=True, blank=True)
    told_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    how = models.CharField(max_length=300, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=_one_of("child", "survivor"), name="victim_notification_one_victim"),
            models.UniqueConstraint(fields=["step", "child"], name="one_notification_per_step_child"),
            models.UniqueConstraint(fields=["step", "survivor"], name="one_notification_per_step_survivor"),
        ]

    def victim(self):
        return self.child if self.child_id else self.survivor
