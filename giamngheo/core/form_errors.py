"""Turn a service's refusal into form errors, next to the field it names."""

from __future__ import annotations

from django import forms

from giamngheo.core.errors import ApplicationError, ValidationFailed


def apply_error(form: forms.Form, error: ApplicationError) -> None:
    """Attach ``error`` to ``form``: each named field gets its messages, anything else becomes a form-wide
    error, so no message a service raised is ever dropped."""
    if isinstance(error, ValidationFailed):
        for field, messages in error.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        if not error.errors:
            form.add_error(None, error.message)
        return
    form.add_error(error.field if error.field in form.fields else None, error.message)
