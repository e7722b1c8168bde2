"""“Người dùng”: the users holding roles inside the manager's scope, with forms to create users and to grant
and revoke roles. Grant and revoke answer HTMX with the user's row only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from giamngheo.accounts import scope
from giamngheo.accounts.forms import GrantForm, UserCreateForm, unit_choice_label
from giamngheo.accounts.models import User
from giamngheo.accounts.roles import Perm
from giamngheo.accounts.selectors import (
    grant_get_managed,
    roles_grantable_anywhere,
    roles_grantable_by,
    unit_get_for,
    units_for_picker,
    user_get_managed,
    users_managed_by,
)
from giamngheo.accounts.services import role_grant, role_revoke, user_create, user_deactivate, user_reactivate
from giamngheo.core.errors import ApplicationError
from giamngheo.core.form_errors import apply_error
from giamngheo.geo.models import AdminUnit

PAGE_SIZE = 25

# The unit picker serves these permissions only: whoever asks sees units in their own scope for it.
PICKER_PERMS = {"users": Perm.USER_MANAGE, "audit": Perm.AUDIT_VIEW}


def _manager(request: HttpRequest) -> User:
    """The signed-in user, if they manage users anywhere; to anyone else the page does not exist."""
    user = request.user
    assert isinstance(user, User)
    if not scope.paths_for(user, Perm.USER_MANAGE):
        raise Http404
    return user


def _grant_form(actor: User, user_id: int, units: list[AdminUnit] | None = None, data: Any = None) -> GrantForm:
    """One form per row, ids unique on the page for the labels to work. Rows start without unit options
    (HTMX loads them when the row's form is opened), so a page of 25 users does not carry 25 unit lists."""
    return GrantForm(data, units=units or [], roles=roles_grantable_anywhere(actor), auto_id=f"id_user{user_id}_%s")


def _mark_actions(actor: User, managed: User) -> User:
    """Which buttons the row shows: a revoke button on each role the actor may revoke, the (de)activation
    button when it may revoke them all. Only a display choice: the services check again."""
    for grant in managed.scoped_grants:  # type: ignore[attr-defined]
        grant.can_revoke = managed.pk != actor.pk and grant.role in roles_grantable_by(actor, grant.unit_path)
    managed.can_switch = managed.pk != actor.pk and all(  # type: ignore[attr-defined]
        grant.can_revoke for grant in managed.scoped_grants  # type: ignore[attr-defined]
    )
    return managed


def _row(
    request: HttpRequest, actor: User, user_id: int, form: GrantForm | None = None, row_error: str = ""
) -> HttpResponse:
    try:
        managed: User | None = _mark_actions(actor, user_get_managed(actor, user_id))
    except Http404:
        managed = None  # the last in-scope role was just revoked: the row goes away
    grant_form = form or _grant_form(actor, user_id)
    context = {"managed": managed, "grant_form": grant_form, "now": timezone.now(), "row_error": row_error}
    return render(request, "accounts/_user_row.html", context)


def _page(request: HttpRequest, actor: User, **extra: Any) -> HttpResponse:
    search = request.GET.get("q", "")
    paginator = Paginator(users_managed_by(actor, search=search), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    units = units_for_picker(actor, Perm.USER_MANAGE)
    context = {
        "page": page,
        "rows": [(_mark_actions(actor, managed), _grant_form(actor, managed.pk)) for managed in page.object_list],
        "search": search,
        "create_form": UserCreateForm(units=units, roles=roles_grantable_anywhere(actor), auto_id="id_new_%s"),
        "now": timezone.now(),
        **extra,
    }
    return render(request, "accounts/users.html", context)


@login_required
@require_GET
def users_view(request: HttpRequest) -> HttpResponse:
    return _page(request, _manager(request))


@sensitive_post_parameters("password")
@login_required
@require_POST
def user_create_view(request: HttpRequest) -> HttpResponse:
    actor = _manager(request)
    form = UserCreateForm(
        request.POST, units=units_for_picker(actor, Perm.USER_MANAGE), roles=roles_grantable_anywhere(actor),
        auto_id="id_new_%s",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(
                actor=actor,
                username=data["username"],
                full_name=data["full_name"],
                password=data["password"],
                language=data["language"],
                role=data["role"],
                unit=unit_get_for(actor, Perm.USER_MANAGE, data["unit"]),
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("Đã tạo người dùng “%(username)s”.") % {"username": user.username})
            return redirect(reverse("accounts:users") + "?q=" + user.username)
    return _page(request, actor, create_form=form, create_open=True)


@login_required
@require_POST
def grant_add_view(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _manager(request)
    user = user_get_managed(actor, user_id)
    form = _grant_form(actor, user.pk, units_for_picker(actor, Perm.USER_MANAGE), request.POST)
    if form.is_valid():
        try:
            role_grant(
                actor=actor, user=user, role=form.cleaned_data["role"],
                unit=unit_get_for(actor, Perm.USER_MANAGE, form.cleaned_data["unit"]),
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            if not request.htmx:  # type: ignore[attr-defined]
                messages.success(request, _("Đã cấp quyền cho “%(username)s”.") % {"username": user.username})
                return redirect("accounts:users")
            return _row(request, actor, user.pk)
    if not request.htmx:  # type: ignore[attr-defined]
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("accounts:users")
    return _row(request, actor, user.pk, form=form)


@login_required
@require_POST
def grant_revoke_view(request: HttpRequest, grant_id: int) -> HttpResponse:
    actor = _manager(request)
    grant = grant_get_managed(actor, grant_id)
    user_id = grant.user_id
    try:
        role_revoke(actor=actor, user=grant.user, role=grant.role, unit=grant.unit)
    except ApplicationError as exc:
        if not request.htmx:  # type: ignore[attr-defined]
            messages.error(request, exc.message)
            return redirect("accounts:users")
        return _row(request, actor, user_id, row_error=exc.message)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("accounts:users")
    return _row(request, actor, user_id)


@login_required
@require_POST
def user_active_view(request: HttpRequest, user_id: int, active: bool) -> HttpResponse:
    """Deactivate (``active=False``) or reactivate a user; answers HTMX with the user's row."""
    actor = _manager(request)
    user = user_get_managed(actor, user_id)
    service = user_reactivate if active else user_deactivate
    try:
        service(actor=actor, user=user)
    except ApplicationError as exc:
        if not request.htmx:  # type: ignore[attr-defined]
            messages.error(request, exc.message)
            return redirect("accounts:users")
        return _row(request, actor, user.pk, row_error=exc.message)
    if not request.htmx:  # type: ignore[attr-defined]
        if active:
            done = _("Đã kích hoạt lại tài khoản “%(username)s”.")
        else:
            done = _("Đã ngừng hoạt động tài khoản “%(username)s” và thu hồi mọi mã truy cập API của tài khoản này.")
        messages.success(request, done % {"username": user.username})
        return redirect("accounts:users")
    return _row(request, actor, user.pk)


@login_required
@require_GET
def unit_options_view(request: HttpRequest) -> HttpResponse:
    """``<option>``s of the units matching ``unit_q`` inside the asker's own scope for ``for``."""
    picker_for = request.GET.get("for", "")
    perm = PICKER_PERMS.get(picker_for)
    if perm is None:
        raise Http404
    assert isinstance(request.user, User)
    units = units_for_picker(request.user, perm, search=request.GET.get("unit_q", ""))
    choices = [(u.pk, unit_choice_label(u)) for u in units]
    return render(request, "accounts/_unit_options.html", {"choices": choices, "picker_for": picker_for})
