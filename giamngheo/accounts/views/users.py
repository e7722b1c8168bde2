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
from giamngheo.accounts.forms import GrantForm, PasswordResetForm, UserCreateForm, unit_choice_label
from giamngheo.accounts.lifecycle import user_reset_password, user_unlock
from giamngheo.accounts.login_throttle import locked_until_by_username
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
from giamngheo.accounts.two_factor import (
    province_get_for_rule,
    two_factor_reset,
    two_factor_rule_set,
    two_factor_rules_for,
    users_with_two_factor,
)
from giamngheo.core.errors import ApplicationError, ValidationFailed
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
    """Which buttons the row shows: a revoke button on each role the actor may revoke; the account's buttons
    ((de)activation, unlock, password and two-factor reset) when it may revoke them all. Only a display
    choice: the services check again."""
    for grant in managed.scoped_grants:  # type: ignore[attr-defined]
        grant.can_revoke = managed.pk != actor.pk and grant.role in roles_grantable_by(actor, grant.unit_path)
    managed.can_switch = managed.pk != actor.pk and all(  # type: ignore[attr-defined]
        grant.can_revoke for grant in managed.scoped_grants  # type: ignore[attr-defined]
    )
    return managed


def _mark_states(users: list[User]) -> list[User]:
    """Until when each user's log-in is locked, and whether they have two-factor log-in (two queries for
    the page)."""
    locked = locked_until_by_username([u.username for u in users], timezone.now())
    with_device = users_with_two_factor([u.pk for u in users])
    for managed in users:
        managed.locked_until = locked.get(managed.username)  # type: ignore[attr-defined]
        managed.has_two_factor = managed.pk in with_device  # type: ignore[attr-defined]
    return users


def _row(
    request: HttpRequest, actor: User, user_id: int, form: GrantForm | None = None, row_error: str = "",
    **extra: Any,
) -> HttpResponse:
    try:
        managed: User | None = _mark_actions(actor, user_get_managed(actor, user_id))
    except Http404:
        managed = None  # the last in-scope role was just revoked: the row goes away
    if managed is not None:
        _mark_states([managed])
    grant_form = form or _grant_form(actor, user_id)
    context = {
        "managed": managed, "grant_form": grant_form, "now": timezone.now(), "row_error": row_error,
        "reset_form": PasswordResetForm(auto_id=f"id_reset{user_id}_%s"), **extra,
    }
    return render(request, "accounts/_user_row.html", context)


def _page(request: HttpRequest, actor: User, **extra: Any) -> HttpResponse:
    search = request.GET.get("q", "")
    paginator = Paginator(users_managed_by(actor, search=search), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    units = units_for_picker(actor, Perm.USER_MANAGE)
    managed_users = _mark_states([_mark_actions(actor, managed) for managed in page.object_list])
    context = {
        "page": page,
        "rows": [(managed, _grant_form(actor, managed.pk)) for managed in managed_users],
        "reset_form": PasswordResetForm(),
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


def _answer(request: HttpRequest, actor: User, user: User, done: str, **extra: Any) -> HttpResponse:
    """HTMX gets the user's row again; a plain form post goes back to the users page with a message."""
    if request.htmx:  # type: ignore[attr-defined]
        return _row(request, actor, user.pk, **extra)
    messages.success(request, done)
    return redirect(reverse("accounts:users") + "?q=" + user.username)


def _refused(request: HttpRequest, actor: User, user: User, exc: ApplicationError) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return _row(request, actor, user.pk, row_error=exc.message)
    messages.error(request, exc.message)
    return redirect("accounts:users")


@login_required
@require_POST
def user_unlock_view(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _manager(request)
    user = user_get_managed(actor, user_id)
    try:
        forgotten = user_unlock(actor=actor, user=user)
    except ApplicationError as exc:
        return _refused(request, actor, user, exc)
    if forgotten:
        done = _("Đã mở khoá đăng nhập cho “%(username)s”.") % {"username": user.username}
    else:
        done = _("Tài khoản “%(username)s” hiện không bị khoá.") % {"username": user.username}
    return _answer(request, actor, user, done)


@sensitive_post_parameters("password")
@login_required
@require_POST
def user_password_reset_view(request: HttpRequest, user_id: int) -> HttpResponse:
    """Answers with the temporary password in the page itself, once: it goes into no message, log or
    session."""
    actor = _manager(request)
    user = user_get_managed(actor, user_id)
    form = PasswordResetForm(request.POST, auto_id=f"id_reset{user_id}_%s")
    if not form.is_valid():
        return _refused(request, actor, user, ApplicationError(_("Mật khẩu tạm không hợp lệ."), field="password"))
    try:
        password = user_reset_password(actor=actor, user=user, password=form.cleaned_data["password"])
    except ApplicationError as exc:
        if isinstance(exc, ValidationFailed):
            exc = ApplicationError(" ".join([exc.message, *exc.errors.get("password", [])]), field="password")
        return _refused(request, actor, user, exc)
    temporary = {"username": user.username, "password": password}
    if request.htmx:  # type: ignore[attr-defined]
        return _row(request, actor, user.pk, row_temporary=temporary)
    return _page(request, actor, temporary=temporary)


@login_required
@require_POST
def user_two_factor_reset_view(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = _manager(request)
    user = user_get_managed(actor, user_id)
    try:
        two_factor_reset(actor=actor, user=user)
    except ApplicationError as exc:
        return _refused(request, actor, user, exc)
    done = _(
        "Đã đặt lại đăng nhập hai bước của “%(username)s”: người này đăng nhập bằng mật khẩu rồi bật lại với "
        "điện thoại mới."
    ) % {"username": user.username}
    return _answer(request, actor, user, done)


@login_required
@require_GET
def two_factor_rules_view(request: HttpRequest) -> HttpResponse:
    """The provinces in the manager's scope and whether each requires two-factor log-in."""
    actor = _manager(request)
    return render(request, "accounts/two_factor_rules.html", {"rules": two_factor_rules_for(actor)})


@login_required
@require_POST
def two_factor_rule_set_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    actor = _manager(request)
    unit = province_get_for_rule(actor, unit_id)
    required = request.POST.get("required") == "1"
    try:
        two_factor_rule_set(actor=actor, unit=unit, required=required)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if required:
            done = _(
                "%(province)s từ nay yêu cầu đăng nhập hai bước: mọi người có vai trò trong tỉnh phải bật ở lần "
                "đăng nhập tới."
            )
        else:
            done = _("%(province)s không còn bắt buộc đăng nhập hai bước.")
        messages.success(request, done % {"province": unit.name})
    return redirect("accounts:two_factor_rules")


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
