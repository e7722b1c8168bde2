"""What every review view shares: turning a service refusal into a message or form errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.db import OperationalError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from giamngheo.core.errors import ApplicationError, ValidationFailed, database_busy

T = TypeVar("T")

# What the officer reads when the database stayed busy past the settings' timeout: nothing was saved,
# and the page is shown again with what they typed.
DATABASE_BUSY = gettext_lazy("Hệ thống đang bận ghi dữ liệu khác nên chưa lưu được. Những gì bạn đã nhập vẫn còn "
                             "trên trang; hãy bấm lưu lại sau ít giây.")


def attempt(request: HttpRequest, action: Callable[[], T], form: forms.Form | None = None) -> T | None:
    """Run a service. Field errors go next to the form's fields (or to the page's messages); a refusal
    becomes an error message. Returns None when the service refused."""
    try:
        return action()
    except ValidationFailed as exc:
        placed = False
        if form is not None:
            for field, errors in exc.errors.items():
                target = field if field in form.fields else None
                for error in errors:
                    form.add_error(target, error)
                placed = True
        if not placed:
            details = "; ".join(m for msgs in exc.errors.values() for m in msgs)
            messages.error(request, f"{exc.message} {details}".strip())
        else:
            messages.error(request, exc.message)
    except ApplicationError as exc:
        if form is not None and exc.field in form.fields:
            form.add_error(exc.field, exc.message)
        messages.error(request, exc.message)
    except OperationalError as exc:
        if not database_busy(exc):
            raise
        messages.error(request, str(DATABASE_BUSY))
    return None


def cleaned(form: forms.Form) -> dict[str, Any]:
    return dict(getattr(form, "cleaned_data", {}))
