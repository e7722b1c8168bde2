from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from giamngheo.accounts import scope
from giamngheo.accounts.roles import Perm

# (permission or permissions, any of which shows the item; label, URL name, fallback path). The fallback is the app's mount point in giamngheo/urls.py,
# whose root is the app's landing page; it serves while an app has not yet named its landing view.
_NAV_ITEMS: list[tuple[str | tuple[str, ...], Any, str, str]] = [
    (Perm.HOUSEHOLD_VIEW, _("Hộ gia đình"), "households:list", "/ho/"),
    (Perm.UNIT_MANAGE, _("Đơn vị hành chính"), "geo:index", "/don-vi/"),
    (Perm.REVIEW_VIEW, _("Rà soát"), "reviews:index", "/ra-soat/"),
    (Perm.SUPPORT_VIEW, _("Hỗ trợ"), "support:index", "/ho-tro/"),
    (Perm.SUPPORT_VIEW, _("Nguồn lực"), "support:resources", "/nguon-luc/"),
    (Perm.SUPPORT_VIEW, _("Chỉ tiêu"), "support:targets", "/chi-tieu/"),
    (Perm.STATS_VIEW, _("Thống kê"), "stats:home", "/thong-ke/"),
    (Perm.AUDIT_VIEW, _("Nhật ký"), "core:audit_list", "/nhat-ky/"),
    # Imports are listed to who may import and to auditors (they see the imports of their units).
    ((Perm.DATA_IMPORT, Perm.AUDIT_VIEW), _("Nhập dữ liệu"), "imports:list", "/nhap-du-lieu/"),
    # Data-subject requests also need citizen_id.view (privacy/selectors.py): navigation() checks it.
    (Perm.AUDIT_VIEW, _("Dữ liệu cá nhân"), "privacy:list", "/du-lieu-ca-nhan/"),
    (Perm.USER_MANAGE, _("Người dùng"), "accounts:users", "/tai-khoan/nguoi-dung/"),
]


def _url(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the top navigation may offer the signed-in user: ``nav_items`` (label, url, current) for the
    shell, and the ``nav_can_*`` flags for pages that show or hide links of their own."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    wanted = {perm for perms, *_rest in _NAV_ITEMS for perm in ((perms,) if isinstance(perms, str) else perms)}
    allowed = {perm for perm in wanted if scope.paths_for(user, perm)}
    items = []
    for perms, label, name, fallback in _NAV_ITEMS:
        if allowed.intersection((perms,) if isinstance(perms, str) else perms):
            if name == "privacy:list" and not scope.paths_for(user, Perm.CITIZEN_ID_VIEW):
                continue
            url = _url(name, fallback)
            items.append({"label": label, "url": url, "current": request.path.startswith(url)})
    return {
        "nav_items": items,
        "nav_can_audit": Perm.AUDIT_VIEW in allowed,
        "nav_can_review": Perm.REVIEW_VIEW in allowed,
        "nav_can_manage_units": Perm.UNIT_MANAGE in allowed,
        "nav_can_manage_users": Perm.USER_MANAGE in allowed,
    }
