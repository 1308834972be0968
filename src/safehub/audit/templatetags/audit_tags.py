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
}


@register.filter
def action_label(action):
    return ACTION_LABELS.get(action, action.replace("_", " ").capitalize())
