"""One submit per action: a POST carrying an idempotency key (``idempotency_key``, added to every POST
form by ``static/giamngheo/submit-once.js``, or rendered by the template) is acted on once per user.

The first submit claims the key (a unique row) before acting. A second submit with the same key — a
double tap, the browser resending — waits for the first to finish and is answered like it: redirected
to the same page, with no second action, no second history line and no message of its own. When the
first did not succeed (it re-rendered the form with errors), the claim is released, so the user may
correct the form and send it again.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from giamngheo.reviews.models import FormSubmission

FIELD = "idempotency_key"
_WAIT_SECONDS = 15.0
_KEEP = dt.timedelta(days=2)


def _valid(key: str) -> bool:
    return 8 <= len(key) <= 64 and all(c.isalnum() or c in "-_" for c in key)


def submit_once(request: HttpRequest, action: Callable[[], HttpResponse], *, retry: bool = True) -> HttpResponse:
    key = str(request.POST.get(FIELD, ""))
    if not _valid(key) or not request.user.is_authenticated:
        return action()
    user = request.user
    try:
        with transaction.atomic():
            FormSubmission.objects.filter(user=user, created_at__lt=timezone.now() - _KEEP).delete()
            claim = FormSubmission.objects.create(user=user, key=key)
    except IntegrityError:
        answer = _as_first(request, key)
        if answer is None:
            # The first submit did not act (its form had errors): this one is the first that may.
            return submit_once(request, action, retry=False) if retry else action()
        return answer
    try:
        response = action()
    except BaseException:
        FormSubmission.objects.filter(pk=claim.pk).delete()
        raise
    if isinstance(response, HttpResponseRedirect) or response.status_code in (301, 302, 303):
        FormSubmission.objects.filter(pk=claim.pk).update(redirect_to=response["Location"][:500])
    else:
        FormSubmission.objects.filter(pk=claim.pk).delete()
    return response


def _as_first(request: HttpRequest, key: str) -> HttpResponse | None:
    """Wait for the first submit with this key, then send the user where it sent them; None when the
    first did not succeed (its claim was released)."""
    deadline = time.monotonic() + _WAIT_SECONDS
    user: Any = request.user
    while True:
        row = FormSubmission.objects.filter(user=user, key=key).values_list("redirect_to", flat=True).first()
        if row is None:
            return None
        if row:
            return HttpResponseRedirect(row)
        if time.monotonic() > deadline:
            # Still running after the wait: show the page again rather than act twice.
            return HttpResponseRedirect(request.get_full_path())
        time.sleep(0.1)


def once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``@once`` on a view: its POSTs are acted on once per idempotency key (``submit_once``)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        return submit_once(request, lambda: view(request, *args, **kwargs))

    return wrapped
