"""The two intelligence grading schemes, what each grade means, and which handling codes let a partner read
the sanitised summary.

3x5x2 (College of Policing APP, current): source 1-3, intelligence A-E, handling P or C; C means lawful
sharing with conditions, and the condition must be written down (and only then).

5x5x5 (the National Intelligence Model's older scheme, kept for older items): source A-E, intelligence
1-5, handling 1-5. The handling codes say who the intelligence may go to:

1. other law enforcement and prosecuting agencies (no special conditions);
2. UK non-prosecuting parties (a council, health, a school), with authorisation and records;
3. non-EEA law enforcement agencies, with special conditions;
4. within the originating agency only;
5. no further dissemination: refer to the originator.

So a summary of a 5x5x5 item is shared with a partner only under code 2 (any partner agency: councils,
health and schools are UK non-prosecuting parties) or code 1 (law enforcement and prosecuting agencies
only: a police partner, never the council). Codes 3 to 5 never reach a partner. Every summary read is
audited, which is the record code 2 asks for.
"""

from django.db.models import Q

THREE_FIVE_TWO = "3x5x2"
FIVE_FIVE_FIVE = "5x5x5"

SCHEMES = {
    THREE_FIVE_TWO: {
        "source": {"1": "reliable", "2": "untested", "3": "not reliable"},
        "intelligence": {"A": "known directly to the source", "B": "known indirectly but corroborated",
                         "C": "known indirectly", "D": "not known", "E": "suspected to be false"},
        "handling": {"P": "lawful sharing permitted", "C": "lawful sharing permitted with conditions"},
    },
    FIVE_FIVE_FIVE: {
        "source": {"A": "always reliable", "B": "mostly reliable", "C": "sometimes reliable", "D": "unreliable",
                   "E": "untested source"},
        "intelligence": {"1": "known to be true without reservation",
                         "2": "known personally to the source but not to the officer",
                         "3": "not personally known to the source but corroborated", "4": "cannot be judged",
                         "5": "suspected to be false or malicious"},
        "handling": {"1": "may go to other law enforcement and prosecuting agencies",
                     "2": "may go to UK non-prosecuting parties (authorisation and records needed)",
                     "3": "may go to non-EEA law enforcement agencies (special conditions apply)",
                     "4": "within the originating agency only",
                     "5": "no further dissemination: refer to the originator"},
    },
}

PARTS = {"source": "source evaluation", "intelligence": "intelligence assessment", "handling": "handling code"}


def meaning(scheme, part, code):
    """"2: untested" for ("3x5x2", "source", "2"); the code alone if it is not a grade of the scheme."""
    words = SCHEMES.get(scheme, {}).get(part, {}).get(code)
    return f"{code}: {words}" if words else code


def choices(scheme, part):
    return [(code, f"{code}: {words}") for code, words in SCHEMES[scheme][part].items()]


def errors(scheme, source_grade, intelligence_grade, handling_code, handling_condition):
    """{field: message} for a grading that does not fit its scheme (empty when it is valid)."""
    if scheme not in SCHEMES:
        return {"scheme": "Choose the grading scheme: 3x5x2, or 5x5x5 for an older item"}
    grades = SCHEMES[scheme]
    found = {}
    for field, part, value in (("source_grade", "source", source_grade),
                               ("intelligence_grade", "intelligence", intelligence_grade),
                               ("handling_code", "handling", handling_code)):
        if value not in grades[part]:
            codes = list(grades[part])
            allowed = f"{', '.join(codes[:-1])} or {codes[-1]}"
            found[field] = f"Choose the {PARTS[part]} of the {scheme} scheme: {allowed}"
    condition = (handling_condition or "").strip()
    if scheme == THREE_FIVE_TWO and handling_code == "C" and not condition:
        found["handling_condition"] = "Write down the condition: handling code C means sharing with conditions"
    if scheme == THREE_FIVE_TWO and handling_code == "P" and condition:
        found["handling_condition"] = ("Handling code P has no conditions: remove the condition, or choose code C "
                                       "if sharing has conditions")
    return found


def partner_may_read(agency_kind):
    """The items whose sanitised summary an agency of this kind may read, as a filter on IntelligenceItem."""
    shared = Q(scheme=THREE_FIVE_TWO, handling_code__in=["P", "C"]) | Q(scheme=FIVE_FIVE_FIVE, handling_code="2")
    if agency_kind == "police":
        shared |= Q(scheme=FIVE_FIVE_FIVE, handling_code="1")
    return shared


def sharing_words(scheme, handling_code):
    """Who may read the sanitised summary, in words for the item's page."""
    if scheme == THREE_FIVE_TWO:
        return ("Partners who may open a connected child's record or person of concern read the sanitised summary"
                + (", with the condition beside it." if handling_code == "C" else "."))
    if handling_code == "2":
        return "Partners who may open a connected child's record or person of concern read the sanitised summary."
    if handling_code == "1":
        return ("Only law enforcement partners (police) who may open a connected record read the sanitised "
                "summary: code 1 does not reach the council, health or schools.")
    return "No partner reads it: the handling code keeps it within the originating agency or with the originator."
