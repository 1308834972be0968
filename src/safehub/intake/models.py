from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safehub.access.policy import VisibleQuerySet


class ContactReference(models.Func):
    """A report's reference, SH-<year it arrived, UTC>-<its id, six digits or more>, computed by the database as
    the row is stored (a generated column), so that accepting a report is one INSERT (ADR 35)."""

    output_field = models.CharField(max_length=20)

    def as_postgresql(self, compiler, connection):
        return ("('SH-' || (EXTRACT(YEAR FROM (received_at AT TIME ZONE 'UTC')))::integer::text || '-' || "
                "lpad(id::text, greatest(6, length(id::text)), '0'))"), []

    def as_sqlite(self, compiler, connection):
        return "('SH-' || substr(received_at, 1, 4) || '-' || printf('%%06d', id))", []


class Contact(models.Model):
    """A concern as it arrives: a public report, a professional referral, or an adult's non-recent report.

    Screening fields live here too, so the database itself refuses a closed contact without a decision.
    """

    class Kind(models.TextChoices):
        PUBLIC = "public", "Public report"
        NON_RECENT = "non_recent", "Adult reporting non-recent abuse"
        PROFESSIONAL = "professional", "Professional referral"

    class Channel(models.TextChoices):
        WEB = "web", "Web form"
        API = "api", "Agency system (API)"
        PHONE = "phone", "Phone call"

    class Status(models.TextChoices):
        AWAITING = "awaiting", "Awaiting decision"
        DECIDED = "decided", "Decided"
        CLOSED = "closed", "Closed"

    class Priority(models.TextChoices):
        RED = "red", "Red: partner checks within 2 hours"
        AMBER = "amber", "Amber: partner checks within 6 hours"
        GREEN = "green", "Green: partner checks within 24 hours"
        BLUE = "blue", "Blue: no multi-agency response needed"

    class Outcome(models.TextChoices):
        NO_FURTHER_ACTION = "nfa", "No further action"
        ADVICE = "advice", "Advice or signposting"
        REFER_ON = "refer_on", "Referral to another service"
        OPEN_CASE = "open_case", "Open an exploitation case"
        STRATEGY = "strategy", "Strategy discussion (reasonable cause to suspect significant harm)"
        POLICE_NOW = "police_now", "Immediate police response"

    class Consent(models.TextChoices):
        GIVEN = "given", "Consent given by the child or family"
        NOT_SOUGHT = "not_sought", "Consent not sought: DPA 2018 Schedule 1 para 18 (safeguarding)"
        REFUSED = "refused", "Consent refused: sharing under DPA 2018 Schedule 1 para 18 (safeguarding)"

    reference = models.GeneratedField(expression=ContactReference(), output_field=models.CharField(max_length=20),
                                      db_persist=True, unique=True)
    submission_key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    owning_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="owned_contacts")
    received_at = models.DateTimeField(db_index=True)

    concern = models.TextField()
    when_happened = models.CharField(max_length=500, blank=True)
    # The language the public form was in when the report was sent (ADR 27); anything but English means the
    # reporter may need an interpreter when the team contacts them.
    language = models.CharField(max_length=10, default="en-gb")
    interpreter_needed = models.BooleanField(default=False)

    reporter_anonymous = models.BooleanField(default=True)
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_email = models.EmailField(blank=True)
    reporter_phone = models.CharField(max_length=40, blank=True)
    reporter_relationship = models.CharField(max_length=200, blank=True)
    reporter_name_withheld_from_family = models.BooleanField(default=False)

    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    referrer_agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals_made"
    )
    referrer_role = models.CharField(max_length=200, blank=True)
    family_knows = models.TextField(blank=True)
    consent = models.CharField(max_length=20, choices=Consent.choices, blank=True)
    consent_reason = models.TextField(blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AWAITING, db_index=True)
    decision_due_at = models.DateTimeField(db_index=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True)
    priority_set_at = models.DateTimeField(null=True, blank=True)
    partner_checks_due_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    flood_batch = models.ForeignKey("FloodBatch", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="contacts", help_text="Held with others from one address (ADR 21)")
    # A public report is accepted as this one row: what it names (children, people, vehicles...) waits in
    # `answers`, checked and cleaned, until the worker files it into the detail rows and links it (ADR 35).
    # Filing empties `answers` and sets `filed_at`; a report opened before then is filed at once.
    answers = models.JSONField(default=dict, blank=True)
    filed_at = models.DateTimeField(null=True, blank=True)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["decision_due_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | models.Q(decided_at__isnull=False),
                name="contact_closed_only_after_decision",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_at__isnull=True) | ~models.Q(outcome=""),
                name="contact_decision_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["status", "decision_due_at"]),
                   models.Index(fields=["received_at"], condition=models.Q(filed_at__isnull=True),
                                name="contact_waiting_to_be_filed")]

    def __str__(self):
        return self.reference or f"contact {self.pk}"

    @property
    def filed(self):
        return self.filed_at is not None

    @property
    def language_name(self):
        """The language the report was written in, in English with its own name, for the screener."""
        from safehub.languages import language

        written_in = language(self.language)
        if written_in.own_name == written_in.english_name:
            return written_in.english_name
        return f"{written_in.english_name} ({written_in.own_name})"


class SafeContactFields(models.Model):
    """How to contact a person safely: the fields a survivor gives on the public form and that a support worker
    keeps for a child or an adult survivor (safehub.support.SafeContact). Every page that shows a way to contact
    the person shows these first."""

    safe_phone = models.CharField(max_length=40, blank=True, help_text="A number that is safe to call")
    no_phone = models.BooleanField(default=False, help_text="Do not phone")
    safe_times = models.CharField(max_length=300, blank=True)
    no_voicemail = models.BooleanField(default=False)
    no_letters = models.BooleanField(default=False, help_text="No letters to the home address")
    safe_email = models.EmailField(blank=True)
    preferred_name = models.CharField(max_length=200, blank=True)
    pronouns = models.CharField(max_length=50, blank=True)
    language = models.CharField(max_length=100, blank=True)
    interpreter = models.BooleanField(default=False)
    other = models.TextField(blank=True, help_text="Anything else about contacting them safely")

    SAFE_FIELDS = ("safe_phone", "no_phone", "safe_times", "no_voicemail", "no_letters", "safe_email",
                   "preferred_name", "pronouns", "language", "interpreter", "other")

    class Meta:
        abstract = True

    def safe_lines(self):
        """The preferences in words, most important first (what not to do)."""
        lines = []
        if self.no_phone:
            lines.append(_("Do not phone."))
        elif self.safe_phone:
            lines.append(_("Only phone %(phone)s.") % {"phone": self.safe_phone})
        if self.safe_times:
            lines.append(_("Safe times: %(times)s.") % {"times": self.safe_times})
        if self.no_voicemail:
            lines.append(_("Do not leave voicemail messages."))
        if self.no_letters:
            lines.append(_("Do not send letters home."))
        if self.safe_email:
            lines.append(_("Safe email: %(email)s.") % {"email": self.safe_email})
        if self.preferred_name:
            lines.append(_("Call them %(name)s.") % {"name": self.preferred_name})
        if self.pronouns:
            lines.append(_("Pronouns: %(pronouns)s.") % {"pronouns": self.pronouns})
        if self.language and self.interpreter:
            lines.append(_("Language: %(language)s (needs an interpreter).") % {"language": self.language})
        elif self.language:
            lines.append(_("Language: %(language)s.") % {"language": self.language})
        elif self.interpreter:
            lines.append(_("Needs an interpreter."))
        if self.other:
            lines.append(self.other)
        return lines


class SurvivorAnswers(SafeContactFields):
    """What an adult reporting their own non-recent abuse told the public form beyond the concern itself."""

    class Wants(models.TextChoices):
        POLICE = "police", _("To report it to the police")
        SUPPORT = "support", _("Support, without reporting to the police for now")
        HEARD = "heard", _("To be heard: to tell someone what happened")

    class OtherVictims(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        NOT_SURE = "not_sure", _("I am not sure")

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="survivor_answers")
    wants = models.CharField(max_length=20, choices=Wants.choices)
    other_victims = models.CharField(max_length=20, choices=OtherVictims.choices, blank=True)
    other_victims_details = models.TextField(blank=True)


class ContactChild(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="children")
    name = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    age = models.CharField(max_length=40, blank=True)
    school = models.CharField(max_length=200, blank=True)
    where_seen = models.CharField(max_length=500, blank=True)


class ContactPerson(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(max_length=200, blank=True)
    nicknames = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)


class ContactVehicle(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="vehicles")
    registration = models.CharField(max_length=20, blank=True)
    registration_partial = models.BooleanField(default=False)
    make = models.CharField(max_length=100, blank=True)
    colour = models.CharField(max_length=50, blank=True)
    description = models.CharField(max_length=500, blank=True)


class ContactPhone(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=40)
    number_partial = models.BooleanField(default=False)
    whose = models.CharField(max_length=200, blank=True)


class ContactHandle(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="handles")
    username = models.CharField(max_length=200)
    app = models.CharField(max_length=100, blank=True)


class ContactPlace(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="places")
    address = models.CharField(max_length=500, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    description = models.TextField(blank=True)


DETAIL_MODELS = {
    "children": ContactChild,
    "people": ContactPerson,
    "vehicles": ContactVehicle,
    "phones": ContactPhone,
    "handles": ContactHandle,
    "places": ContactPlace,
}


class ReporterPassphrase(models.Model):
    """A passphrase a member of the public set on the confirmation page, hashed like a password (the
    configured PASSWORD_HASHERS: Argon2). With the reference it lets them add to their report, nothing else."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="passphrase")
    passphrase_hash = models.CharField(max_length=256)
    set_at = models.DateTimeField()


class ContactAddition(models.Model):
    """Information a reporter added later to their own report (with reference and passphrase). The rows it
    added (a vehicle, a phone, a person, a place) are stored on the report itself, so linking reads them like
    the first submission; `summary` says what came in, for the screener, who reads it by its own deadline."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="additions")
    submission_key = models.CharField(max_length=100, unique=True)
    received_at = models.DateTimeField(db_index=True)
    text = models.TextField(blank=True)
    summary = models.JSONField(default=list, help_text="One line per detail added")
    review_due_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["received_at", "pk"]
        indexes = [models.Index(fields=["reviewed_at", "review_due_at"])]


class FloodBatch(models.Model):
    """Public reports sent from one client address beyond the hourly limit, held together for a screener.

    Nothing is refused: every report is stored, given its reference and put on the statutory clock. Those over
    the limit join their address's open batch, which the screening queue shows as one row ("part of a possible
    flood from one address"), until a screener releases it into the queue or marks it as a flood (ADR 21)."""

    class Status(models.TextChoices):
        HELD = "held", "Held: a possible flood"
        RELEASED = "released", "Released into the queue"
        FLOOD = "flood", "Marked as a flood"

    owning_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    client_key = models.CharField(max_length=24, help_text="A hash of the client address, never the address")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD, db_index=True)
    opened_at = models.DateTimeField()
    last_at = models.DateTimeField()
    held_count = models.PositiveIntegerField(default=0)
    first_in_window = models.PositiveIntegerField(
        default=0, help_text="How many reports the address had sent in the window when the first was held")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["opened_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["client_key"], condition=models.Q(status="held"),
                                               name="one_held_flood_batch_per_address")]

    def __str__(self):
        return f"possible flood {self.pk}"
