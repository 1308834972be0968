"""People of concern, graded intelligence, operations, disruption and justice outcomes.

The intelligence, disruption and justice parts of the domain guide (`shared/DOMAIN.md`): a person suspected
of exploiting children is a record of their own; police intelligence is graded (3x5x2 today, 5x5x5 for older
items) and closed to partners but for a sanitised summary the handling code allows; an operation (a named
task force investigation) groups networks, people, children, intelligence, disruption and outcomes. Every
deadline here comes from `safehub.clock`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from safehub.access.policy import VisibleQuerySet
from safehub.cases.models import Ethnicity


class Sex(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Another sex or gender"
    NOT_KNOWN = "not_known", "Not known"


class Answered(models.TextChoices):
    """How a question that must always be asked was answered. Blank is "not yet asked"."""

    RECORDED = "recorded", "Recorded"
    NOT_KNOWN = "not_known", "Not known (not yet obtained)"
    REFUSED = "refused", "Refused (the person declined to say)"


class Disability(models.TextChoices):
    """Whether the person has a disability (the IICSA core data set asks it of alleged perpetrators). Always
    asked: "not known" and "refused" are answers; blank is "not yet asked"."""

    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not known (not yet obtained)"
    REFUSED = "refused", "Refused (the person declined to say)"


class PersonOfConcern(models.Model):
    """A person suspected of exploiting children. Their phones, vehicles, online accounts and addresses are
    linking mentions like any other (source: this record), so a new report naming one of them links here."""

    reference = models.CharField(max_length=20, unique=True, null=True)
    owning_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="people_of_concern")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    aliases = models.CharField(max_length=500, blank=True, help_text="Other names, comma separated")
    nicknames = models.CharField(max_length=500, blank=True, help_text="Nicknames, comma separated")
    date_of_birth = models.DateField(null=True, blank=True)
    age_from = models.PositiveSmallIntegerField(null=True, blank=True)
    age_to = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    ethnicity = models.CharField(max_length=40, choices=Ethnicity.choices, blank=True)
    nationality_answer = models.CharField(max_length=10, choices=Answered.choices, blank=True)
    nationality = models.CharField(max_length=100, blank=True, help_text="When recorded")
    disability = models.CharField(max_length=10, choices=Disability.choices, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    promoted_from_entities = models.ManyToManyField(
        "linking.Entity", blank=True, related_name="promoted_people",
        help_text="The linked person this record was promoted from (the linking entities a network shows as one "
                  "person): their mentions in reports and children's records stay as the evidence")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"])]
        constraints = [models.CheckConstraint(
            condition=models.Q(nationality_answer="recorded", nationality__gt="") | ~models.Q(nationality_answer="recorded"),
            name="recorded_nationality_is_given")]

    def __str__(self):
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.nicknames.split(",")[0].strip() or self.reference or "Unnamed person"

    @property
    def ethnicity_recorded(self):
        return self.ethnicity not in ("", Ethnicity.NOT_KNOWN, Ethnicity.REFUSED)

    @property
    def nationality_recorded(self):
        return self.nationality_answer == Answered.RECORDED

    @property
    def disability_recorded(self):
        return self.disability in (Disability.YES, Disability.NO)


class PersonDetail(models.Model):
    """A phone, vehicle, online account, address or associate of a person of concern."""

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone"
        VEHICLE = "vehicle", "Vehicle"
        HANDLE = "handle", "Online account"
        ADDRESS = "address", "Address"
        ASSOCIATE = "associate", "Associate"

    person = models.ForeignKey(PersonOfConcern, on_delete=models.CASCADE, related_name="details")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=300)
    note = models.CharField(max_length=300, blank=True)
    associate = models.ForeignKey(PersonOfConcern, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        ordering = ["kind", "added_at", "pk"]


class IntelligenceItem(models.Model):
    """One piece of graded intelligence. Police-owned and closed by default: readable by the owning agency's
    analysts and investigators; a partner reads only the sanitised summary, where the handling code allows."""

    class Scheme(models.TextChoices):
        THREE_FIVE_TWO = "3x5x2", "3x5x2 (College of Policing, current)"
        FIVE_FIVE_FIVE = "5x5x5", "5x5x5 (older items)"

    class Source(models.TextChoices):
        RELIABLE = "1", "1: reliable"
        UNTESTED = "2", "2: untested"
        NOT_RELIABLE = "3", "3: not reliable"

    class Assessment(models.TextChoices):
        KNOWN_DIRECTLY = "A", "A: known directly to the source"
        CORROBORATED = "B", "B: known indirectly but corroborated"
        INDIRECT = "C", "C: known indirectly"
        NOT_KNOWN = "D", "D: not known"
        SUSPECTED_FALSE = "E", "E: suspected to be false"

    class Handling(models.TextChoices):
        PERMITTED = "P", "P: lawful sharing permitted"
        CONDITIONS = "C", "C: lawful sharing permitted with conditions"

    reference = models.CharField(max_length=20, unique=True, null=True)
    owning_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="intelligence")
    scheme = models.CharField(max_length=5, choices=Scheme.choices, default=Scheme.THREE_FIVE_TWO)
    source_grade = models.CharField(max_length=1, help_text="3x5x2: 1-3; 5x5x5: A-E")
    intelligence_grade = models.CharField(max_length=1, help_text="3x5x2: A-E; 5x5x5: 1-5")
    handling_code = models.CharField(max_length=1, help_text="3x5x2: P or C; 5x5x5: 1-5")
    handling_condition = models.TextField(blank=True, help_text="Required with handling code C")
    text = models.TextField()
    sanitised_summary = models.TextField(blank=True, help_text="Written for sharing with partners")
    received_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    people = models.ManyToManyField(PersonOfConcern, blank=True, related_name="intelligence")
    operation = models.ForeignKey("Operation", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="intelligence")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]

    @property
    def grading(self):
        return f"{self.source_grade}/{self.intelligence_grade}/{self.handling_code}"


class IntelligenceMention(models.Model):
    """A person, child, place, vehicle, phone or handle an intelligence item names (becomes a linking Mention)."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        CHILD = "child", "Child"
        NICKNAME = "nickname", "Nickname"
        PHONE = "phone", "Phone"
        VEHICLE = "vehicle", "Vehicle"
        HANDLE = "handle", "Online account"
        PLACE = "place", "Place"

    item = models.ForeignKey(IntelligenceItem, on_delete=models.CASCADE, related_name="named")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=300)


class Operation(models.Model):
    """A named task force investigation."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=20, unique=True, null=True)
    name = models.CharField(max_length=200, unique=True)
    owning_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="operations")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_operations")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    people = models.ManyToManyField(PersonOfConcern, blank=True, related_name="operations")
    children = models.ManyToManyField("cases.Child", blank=True, related_name="operations")
    network_reports = models.ManyToManyField("intake.Contact", blank=True, related_name="operations",
                                             help_text="Reports of the networks it was opened from (networks "
                                                       "are recomputed, their reports stay)")
    # The problem profile (VOLT): refreshed at least every 12 months.
    profile_victims = models.TextField(blank=True)
    profile_offenders = models.TextField(blank=True)
    profile_locations = models.TextField(blank=True)
    profile_themes = models.TextField(blank=True)
    profile_refreshed_on = models.DateField(null=True, blank=True)
    profile_due = models.DateField(null=True, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self):
        return self.name


class Disruption(models.Model):
    """A disruption tactic from the Home Office Child Exploitation Disruption Toolkit, against a person or a
    place, with its dates and expiry or review from the clock."""

    class Kind(models.TextChoices):
        CAWN = "cawn", "Child Abduction Warning Notice"
        SRO = "sro", "Sexual Risk Order"
        SHPO = "shpo", "Sexual Harm Prevention Order"
        CLOSURE_NOTICE = "closure_notice", "Premises closure notice"
        CLOSURE_ORDER = "closure_order", "Premises closure order"
        HOTEL_REQUEST = "hotel_request", "Hotel or short-let information request"
        RECOVERY_ORDER = "recovery_order", "Recovery order (s50 Children Act 1989)"
        LICENSING_REVIEW = "licensing_review", "Licensing review (taxi driver or premises)"
        TRESPASS = "trespass", "Trespass or other civil measure"

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="disruptions")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    person = models.ForeignKey(PersonOfConcern, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="disruptions")
    place = models.CharField(max_length=300, blank=True)
    served_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Expiry, from the clock and the order's term")
    review_on = models.DateField(null=True, blank=True)
    extended = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-served_at"]
        constraints = [models.CheckConstraint(condition=~models.Q(person=None, place=""), name="disruption_has_subject")]


class Breach(models.Model):
    disruption = models.ForeignKey(Disruption, on_delete=models.CASCADE, related_name="breaches")
    happened_at = models.DateTimeField()
    details = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)


class JusticeStep(models.Model):
    """One step of one person's path through an investigation, in order of when it happened."""

    class Kind(models.TextChoices):
        INVESTIGATION = "investigation", "Investigation opened"
        ARREST = "arrest", "Arrested"
        RUI = "rui", "Released under investigation"
        BAIL = "bail", "Released on pre-charge bail"
        CHARGE = "charge", "Charged"
        NFA = "nfa", "No further action"
        FIRST_HEARING = "first_hearing", "First hearing"
        TRIAL = "trial", "Trial"
        CONVICTION = "conviction", "Convicted"
        ACQUITTAL = "acquittal", "Acquitted"
        SENTENCE = "sentence", "Sentenced"

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="justice_steps")
    person = models.ForeignKey(PersonOfConcern, on_delete=models.PROTECT, related_name="justice_steps")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    details = models.TextField(blank=True, help_text="Offences charged, the reason for no further action, the sentence")
    bail_ends_on = models.DateField(null=True, blank=True, help_text="Pre-charge bail: from the clock")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
