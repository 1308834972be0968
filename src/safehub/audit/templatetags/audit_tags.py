from django import template

register = template.Library()

ACTION_LABELS = {
    "contact_viewed": "Opened the record",
    "contact_submitted": "Report received",
    "priority_set": "Set the priority",
    "decision_recorded": "Recorded the decision",
    "contact_closed": "Closed the report",
    "contact_escalated": "Escalated as overdue",
    "access_denied": "Was refused access",
    "record_shared": "Shared with another agency",
    "share_revoked": "Revoked a share",
    "transfer_requested": "Offered a transfer",
    "transfer_accepted": "Accepted the transfer",
    "transfer_declined": "Declined the transfer",
    "record_restricted": "Restricted the record",
    "restriction_lifted": "Lifted the restriction",
    "break_glass": "Broke the glass",
    "break_glass_reviewed": "Reviewed a break-glass opening",
    "audit_viewed": "Looked at who has seen the record",
    "sso_sign_in_refused": "Sign-in through a provider refused",
    "sso_identity_waiting": "Sign-in through a provider waiting for approval",
    "sso_identity_linked": "Linked a provider sign-in to an account",
    "sso_identity_approved": "Approved a provider sign-in as a new account",
    "sso_identity_refused": "Refused a provider sign-in",
    "sso_recheck_failed": "Signed out: the provider no longer confirms the account",
    "sso_provider_added": "Added a sign-in provider",
    "sso_provider_changed": "Changed a sign-in provider",
    "federation_asked": "Asked other areas about the person",
    "federation_answer": "Another area answered",
    "federation_query_answered": "Answered another area's question",
    "federation_query_refused": "Refused another area's question",
    "federation_query_rejected": "Rejected a question not signed by a partner",
}


@register.filter
def action_label(action):
    return ACTION_LABELS.get(action, action.replace("_", " ").capitalize())
