"""Helpers shared by every form page, and by the action functions behind them."""

from django.core.exceptions import ValidationError


def required_text(text, message):
    """The text, stripped; a ValidationError with the message when it is blank (for action functions)."""
    if not (text or "").strip():
        raise ValidationError(message)
    return text.strip()


def error_text(error):
    """The message(s) of a refused change (a ValidationError, or a ValueError from a library), as one line."""
    return " ".join(getattr(error, "messages", None) or [str(error)])


def error_summary(bound_forms):
    """(field id, message) pairs for the GOV.UK error summary, in page order. A form-wide error links to
    the form's first field."""
    pairs = []
    for form in bound_forms:
        if not form.is_bound:
            continue
        for field_name, messages in form.errors.items():
            target = field_name if field_name != "__all__" else next(iter(form.fields))
            pairs.extend((form[target].auto_id, message) for message in messages)
    return pairs


def add_action_error(form, error, fields=None):
    """Put an action's refusal on the form: a refusal naming an argument of the action goes on its field
    (`fields` maps argument names to form field names where they differ), anything else on the whole form."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error_text(error))
        return
    for name, errors in error.error_dict.items():
        field = fields.get(name, name)
        form.add_error(field if field in form.fields else None, errors)
