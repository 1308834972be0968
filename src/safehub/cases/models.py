"""Children, exploitation cases, risk screenings, plans, meetings, case notes and the chronology.

Children and cases are protected records (fetched only through `visible_to`). Screenings, actions,
meetings and notes belong to a case and are only reached through a case the user may open. Nothing here is
changed except through `safehub.cases.actions`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from safehub.access.policy import VisibleQuerySet
from safehub.merging import MergeRecord
from safehub.risk import RiskCategory


def validate_nhs_number(value):
    """Ten digits whose last is the modulus 11 check digit of the first nine (NHS Data Dictionary)."""
    digits = value.replace(" ", "")
    if not (digits.isdigit() and len(digits) == 10):
        raise ValidationError("Enter the NHS number as 10 digits, like 943 476 5919")
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    if check == 10 or check != int(digits[9]):
        raise ValidationError("That is not a valid NHS number: check the digits", code="check_digit")


class Ethnicity(models.TextChoices):
    """ONS 2021 census categories (England and Wales). "Not known" and "refused" are answers; blank is not
    yet recorded."""

    ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian or Asian British: Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Asian or Asian British: Chinese"
    ASIAN_INDIAN = "asian_indian", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Asian or Asian British: Pakistani"
    ASIAN_OTHER = "asian_other", "Asian or Asian British: any other Asian background"
    BLACK_AFRICAN = "black_african", "Black, Black British, Caribbean or African: African"
    BLACK_CARIBBEAN = "black_caribbean", "Black, Black British, Caribbean or African: Caribbean"
    BLACK_OTHER = "black_other", "Black, Black British, Caribbean or African: any other Black background"
    MIXED_WHITE_ASIAN = "mixed_white_asian", "Mixed or multiple: White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = "mixed_white_black_african", "Mixed or multiple: White and Black African"
    MIXED_WHITE_BLACK_CARIBBEAN = "mixed_white_black_caribbean", "Mixed or multiple: White and Black Caribbean"
    MIXED_OTHER = "mixed_other", "Mixed or multiple: any other Mixed or multiple background"
    WHITE_BRITISH = "white_british", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "white_irish", "White: Irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "White: Roma"
    WHITE_OTHER = "white_other", "White: any other White background"
    OTHER_ARAB = "other_arab", "Other ethnic group: Arab"
    OTHER_ANY = "other_any", "Other ethnic group: any other ethnic group"
    NOT_KNOWN = "not_known", "Not known (not yet obtained)"
    REFUSED = "refused", "Refused (the child or family declined to say)"


class ChildQuerySet(VisibleQuerySet):
    def current(self):
        """Records that stand for a child, leaving out those merged into another (pointers)."""
        return self.filter(merged_into__isnull=True)


class Child(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NOT_KNOWN = "not_known", "Not known"

    class Send(models.TextChoices):
        NONE = "none", "No special educational needs"
        SEN_SUPPORT = "sen_support", "SEN support"
        EHC_PLAN = "ehc_plan", "Education, health and care plan"
        NOT_KNOWN = "not_known", "Not known"

    class LookedAfter(models.TextChoices):
        NO = "no", "Not looked after"
        SECTION_20 = "section_20", "Looked after: accommodated (section 20)"
        CARE_ORDER = "care_order", "Looked after: care order (section 31)"
        CARE_LEAVER = "care_leaver", "Care leaver"
        NOT_KNOWN = "not_known", "Not known"

    reference = models.CharField(max_length=20, unique=True, null=True)
    owning_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="children")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    aliases = models.CharField(max_length=500, blank=True, help_text="Other names and nicknames, comma separated")
    date_of_birth = models.DateField(null=True, blank=True)
    approximate_age = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    gender = models.CharField(max_length=100, blank=True)
    ethnicity = models.CharField(max_length=40, choices=Ethnicity.choices, blank=True)
    nationality = models.CharField(max_length=100, blank=True)
    nhs_number = models.CharField(max_length=12, blank=True, validators=[validate_nhs_number])
    school = models.CharField(max_length=200, blank=True)
    send = models.CharField("Special educational needs or disability", max_length=20, choices=Send.choices, blank=True)
    learning_disability = models.BooleanField(default=False)
    looked_after = models.CharField(max_length=20, choices=LookedAfter.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_records",
                                    help_text="Set while this record is merged into another (see ChildMerge)")

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"]), models.Index(fields=["date_of_birth"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def age_text(self):
        if self.date_of_birth:
            from safehub.clock import today
            from safehub.risk import age_on

            return f"{age_on(self.date_of_birth, today())}"
        return f"about {self.approximate_age}" if self.approximate_age is not None else "not known"


class ChildAddress(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="addresses")
    address = models.CharField(max_length=300)
    postcode = models.CharField(max_length=10, blank=True)
    lived_from = models.DateField(null=True, blank=True)
    lived_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-lived_from"]
        indexes = [models.Index(fields=["postcode"])]


class ChildPerson(models.Model):
    """Someone around the child: family, carer, friend, or a person of concern."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=200)
    of_concern = models.BooleanField(default=False)
    notes = models.TextField(blank=True)


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open: waiting to be allocated"
        ALLOCATED = "allocated", "Allocated"
        CLOSURE_REQUESTED = "closure_requested", "Closure waiting for a manager's sign-off"
        CLOSED = "closed", "Closed"

    class ClosureOutcome(models.TextChoices):
        RISK_REDUCED = "risk_reduced", "Risk reduced: no longer at risk of exploitation"
        STEP_DOWN = "step_down", "Stepped down to early help or universal services"
        MOVED_AWAY = "moved_away", "Moved out of the area: transferred to the new area"
        ADULT_SERVICES = "adult_services", "Turned 18: transition to adult services"
        REFUSED = "refused", "Family declined support and no statutory grounds"
        OTHER = "other", "Other (explained in the summary)"

    reference = models.CharField(max_length=20, unique=True, null=True)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases")
    owning_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="cases")
    source_contact = models.ForeignKey("intake.Contact", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="cases")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referral_received_at = models.DateTimeField()
    allocated_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="allocated_cases")
    allocated_at = models.DateTimeField(null=True, blank=True)

    assessment_due = models.DateField()
    assessment_extended_to = models.DateField(null=True, blank=True)
    assessment_extension_reason = models.TextField(blank=True)
    assessment_completed_on = models.DateField(null=True, blank=True)
    conference_due = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    last_review_on = models.DateField(null=True, blank=True)
    risk_category = models.PositiveSmallIntegerField(choices=RiskCategory.choices, null=True, blank=True,
                                                     db_index=True)
    risk_reassessment_due = models.DateField(null=True, blank=True)

    closure_outcome = models.CharField(max_length=20, choices=ClosureOutcome.choices, blank=True)
    closure_summary = models.TextField(blank=True)
    closure_requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    objects = VisibleQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["owning_agency", "status"]), models.Index(fields=["allocated_to", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | (~models.Q(closure_outcome="") & models.Q(closed_by__isnull=False)),
                name="case_closed_with_outcome_and_sign_off",
            ),
        ]

    def __str__(self):
        return self.reference or "case"

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED

    @property
    def assessment_deadline(self):
        return self.assessment_extended_to or self.assessment_due

    @property
    def risk_label(self):
        return RiskCategory(self.risk_category).label if self.risk_category is not None else "Not yet screened"


class RiskAssessment(models.Model):
    """One exploitation risk screening, kept for ever: a new screening adds a row, never overwrites one."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="risk_assessments")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="risk_assessments")
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    vulnerabilities = models.JSONField(default=list)
    harms = models.JSONField(default=list, blank=True,
                             help_text="kinds of harm seen (risk.HARMS keys); empty: screened before this was asked")
    settings = models.JSONField(default=list, blank=True, help_text="settings where it happened (risk.SETTINGS keys)")
    moderate = models.JSONField(default=list)
    significant = models.JSONField(default=dict, help_text="indicator key -> timing")
    disclosure = models.BooleanField(default=False)
    learning_disability = models.BooleanField(default=False)
    age_at_assessment = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.PositiveSmallIntegerField()
    score_category = models.PositiveSmallIntegerField(choices=RiskCategory.choices)
    tool_category = models.PositiveSmallIntegerField(choices=RiskCategory.choices)
    final_category = models.PositiveSmallIntegerField(choices=RiskCategory.choices)
    overrides = models.JSONField(default=list)
    judgement_reason = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    reassessment_due = models.DateField()

    class Meta:
        ordering = ["-assessed_on", "-recorded_at"]

    def screening(self):
        from safehub import risk

        return risk.Screening(
            assessed_on=self.assessed_on, age=self.age_at_assessment, learning_disability=self.learning_disability,
            disclosure=self.disclosure, vulnerabilities=self.vulnerabilities, moderate=self.moderate,
            significant=self.significant, harms=self.harms, settings=self.settings,
            judgement=self.final_category if self.final_category != self.tool_category else None,
            judgement_reason=self.judgement_reason)

    def result(self):
        from safehub import risk

        return risk.assess(self.screening())

    def harm_labels(self):
        from safehub import risk

        return risk.labels(risk.HARMS, self.harms)

    def setting_labels(self):
        from safehub import risk

        return risk.labels(risk.SETTINGS, self.settings)


class PlanAction(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="actions")
    description = models.CharField(max_length=500)
    owner_name = models.CharField(max_length=200)
    owner_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    meeting = models.ForeignKey("Meeting", null=True, blank=True, on_delete=models.PROTECT, related_name="actions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def is_overdue(self, today):
        return self.status == self.Status.OPEN and self.due_on < today


class Meeting(models.Model):
    class Kind(models.TextChoices):
        STRATEGY = "strategy", "Strategy discussion"
        CONFERENCE = "conference", "Initial child protection conference"
        MACE = "mace", "MACE (multi-agency child exploitation) meeting"
        REVIEW = "review", "Review"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    owning_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    cases = models.ManyToManyField(Case, related_name="meetings")
    held_at = models.DateTimeField()
    chair = models.CharField(max_length=200)
    section_47 = models.BooleanField("Section 47 enquiries started", default=False)
    victims = models.TextField(blank=True)
    offenders = models.TextField(blank=True)
    locations = models.TextField(blank=True)
    themes = models.TextField(blank=True)
    people_of_concern = models.ManyToManyField(
        "intelligence.PersonOfConcern", blank=True, related_name="meetings",
        help_text="Offenders discussed who have a person of concern record (the free text keeps the others)")
    discussion = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_at"]


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(max_length=200)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=200, blank=True)


class CaseNote(models.Model):
    class Kind(models.TextChoices):
        VISIT = "visit", "Visit"
        PHONE_CALL = "phone_call", "Phone call"
        DISCLOSURE = "disclosure", "Disclosure"
        MISSING_EPISODE = "missing_episode", "Missing episode"
        RETURN_INTERVIEW = "return_interview", "Return home interview"
        SCHOOL_CONTACT = "school_contact", "Contact with school"
        AGENCY_CONTACT = "agency_contact", "Contact with another agency"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    happened_at = models.DateTimeField()
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)


class ChronologyEntry(models.Model):
    """One line of a child's chronology, written by the action that made the change (so the timeline is one
    indexed query, however many kinds of record feed it)."""

    class Kind(models.TextChoices):
        REPORT = "report", "Report"
        DECISION = "decision", "Screening decision"
        CASE = "case", "Case"
        RISK = "risk", "Risk screening"
        ASSESSMENT = "assessment", "Child and family assessment"
        MEETING = "meeting", "Meeting"
        ACTION = "action", "Plan action"
        SHARE = "share", "Share"
        NOTE = "note", "Case note"
        JUSTICE = "justice", "Police and court"
        SUPPORT = "support", "Support and consent"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="chronology")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="chronology")
    at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    subtype = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=500)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["child", "-at", "-id"]), models.Index(fields=["child", "kind", "-at"])]


class ChildMerge(MergeRecord):
    """Two records of one child made one (`merged` points at `kept` while the merge stands), what moved, and its
    undoing. Written only by `cases.actions.merge_children` and `unmerge_children`."""

    kept = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="merges_in")
    merged = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="merges_out")

    class Meta(MergeRecord.Meta):
        constraints = [
            models.UniqueConstraint(fields=["merged"], condition=models.Q(undone_at__isnull=True),
                                    name="one_standing_merge_per_child_record"),
            models.CheckConstraint(condition=~models.Q(kept=models.F("merged")), name="child_merge_two_records"),
        ]
