"""A child's case bundle: the child's record, cases, risk screenings, meetings, plan actions and chronology as
one PDF, for an inquiry or a court. Written only through `insights.actions.export_case_bundle` (a manager,
with a reason, audited); every page carries who exported it, when, why and the audit event's position.

It holds what the exporting manager may open: cases of the child they may not open, and their chronology lines,
are left out, as on the child's page."""

from django.db.models import Q

from safehub import clock
from safehub.cases.models import Case, ChronologyEntry, Meeting, PlanAction
from safehub.insights.pdf import Document


def _when(moment):
    return clock.local(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def _day(day):
    return day.strftime("%d/%m/%Y") if day else ""


def case_bundle_pdf(user, child, *, reason, event):
    agency = user.agency.name if user.agency_id else ""
    stamp = (f"OFFICIAL-SENSITIVE. Case bundle of {child.reference}, exported by {user.get_full_name() or user.username} "
             f"({user.display_role}, {agency}) on {_when(event.at)}, audit event {event.position} of shard {event.shard}. Reason: {reason}")
    pdf = Document(f"Case bundle {child.reference}", stamp)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.heading(f"Case bundle: {child}", 18)
    pdf.para(stamp, 9)
    pdf.heading("The child's record", 13)
    pdf.grid(["Field", "Recorded"], [
        ["Reference", child.reference], ["Name", str(child)], ["Other names", child.aliases],
        ["Date of birth", _day(child.date_of_birth)],
        ["Approximate age", "" if child.approximate_age is None else str(child.approximate_age)],
        ["Sex", child.get_sex_display()], ["Gender", child.gender], ["Ethnicity", child.get_ethnicity_display()],
        ["Nationality", child.nationality], ["NHS number", child.nhs_number], ["School", child.school],
        ["Special educational needs", child.get_send_display()],
        ["Learning disability", "Yes" if child.learning_disability else "No"],
        ["Looked after", child.get_looked_after_display()], ["Owning agency", child.owning_agency.name],
    ], widths=(35, 145))
    addresses = list(child.addresses.all())
    if addresses:
        pdf.heading("Addresses", 12)
        pdf.grid(["Address", "Postcode", "From", "To"],
                 [[a.address, a.postcode, _day(a.lived_from), _day(a.lived_to)] for a in addresses])
    people = list(child.people.all())
    if people:
        pdf.heading("People around the child", 12)
        pdf.grid(["Name", "Relationship", "Of concern"],
                 [[p.name, p.relationship, "Yes" if p.of_concern else ""] for p in people])
    cases = list(Case.objects.visible_to(user).filter(child=child).select_related("allocated_to", "owning_agency")
                 .order_by("opened_at"))
    hidden = Case.objects.filter(child=child).count() - len(cases)
    pdf.heading("Cases", 13)
    if hidden:
        pdf.para(f"{hidden} case(s) of this child are held by an agency this manager may not open and are left out.", 9, "I")
    pdf.grid(["Case", "Agency", "Status", "Opened", "Assessment due", "Completed", "Risk", "Closed"],
             [[c.reference, c.owning_agency.name, c.get_status_display(), _when(c.opened_at), _day(c.assessment_deadline),
               _day(c.assessment_completed_on), c.risk_label, _when(c.closed_at)] for c in cases])
    screenings = list(child.risk_assessments.filter(case__in=cases).select_related("case").order_by("assessed_on"))
    if screenings:
        pdf.heading("Risk screenings", 12)
        pdf.grid(["Case", "Date", "Tool's result", "Final result", "Judgement", "Reassess by"],
                 [[s.case.reference, _day(s.assessed_on), s.get_tool_category_display(),
                   s.get_final_category_display(), s.judgement_reason, _day(s.reassessment_due)] for s in screenings])
    meetings = list(Meeting.objects.filter(cases__in=cases).distinct().order_by("held_at"))
    if meetings:
        pdf.heading("Meetings", 12)
        pdf.grid(["Held", "Kind", "Chair", "Decisions"],
                 [[_when(m.held_at), m.get_kind_display(), m.chair, m.decisions] for m in meetings])
    actions = list(PlanAction.objects.filter(case__in=cases).select_related("case").order_by("due_on", "pk"))
    if actions:
        pdf.heading("Plan actions", 12)
        pdf.grid(["Case", "Action", "Owner", "Due", "Status"],
                 [[a.case.reference, a.description, a.owner_name, _day(a.due_on), a.get_status_display()]
                  for a in actions])
    entries = (ChronologyEntry.objects.filter(child=child).filter(Q(case__isnull=True) | Q(case__in=cases))
               .select_related("actor").order_by("at", "pk"))
    pdf.add_page()
    pdf.heading("Chronology", 13)
    pdf.grid(["When", "Kind", "What happened", "By"],
             [[_when(e.at), e.get_kind_display(), e.summary, e.actor.get_full_name() if e.actor else ""]
              for e in entries], widths=(28, 28, 100, 24))
    return bytes(pdf.output())
