"""Roles and what each may do. A role is granted on an administrative unit and applies to every unit
below it. Permissions are plain strings checked by ``accounts.scope``; nothing else decides access."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HAMLET_SURVEYOR = "hamlet_surveyor", _("Rà soát viên thôn/ấp")
    COMMUNE_OFFICER = "commune_officer", _("Cán bộ giảm nghèo cấp xã")
    COMMUNE_APPROVER = "commune_approver", _("Lãnh đạo xã (phê duyệt)")
    PROVINCE_OFFICER = "province_officer", _("Cán bộ cấp tỉnh")
    PROVINCE_VIEWER = "province_viewer", _("Người xem cấp tỉnh")
    SYSTEM_ADMIN = "system_admin", _("Quản trị hệ thống")


class Perm:
    HOUSEHOLD_VIEW = "household.view"
    HOUSEHOLD_EDIT = "household.edit"
    CITIZEN_ID_VIEW = "citizen_id.view"
    UNIT_MANAGE = "unit.manage"  # create hamlets, edit unit settings
    AUDIT_VIEW = "audit.view"
    REVIEW_VIEW = "review.view"
    REVIEW_SURVEY = "review.survey"
    REVIEW_MANAGE = "review.manage"  # list, meeting, posting, complaints
    REVIEW_APPROVE = "review.approve"  # recognition decision, certificates
    USER_MANAGE = "user.manage"
    # Bring a file of households or of past recognised lists into the registry (issue 7). Also needs
    # household.edit on every unit the file touches.
    DATA_IMPORT = "data.import"
    # Support given, assignments, escape registrations, resources and targets (issue 8). Reading them is
    # support.view; support records and assignments name households, so they also follow household scope.
    SUPPORT_VIEW = "support.view"
    SUPPORT_EDIT = "support.edit"  # support records, assignments, escape registrations
    RESOURCE_MANAGE = "resource.manage"  # money mobilised and spent, campaigns, pledges
    TARGET_MANAGE = "target.manage"  # set and allocate targets
    # Statistics, report tables, dashboards and maps (issue 9): figures of the units in scope. Household
    # lists by class also need household.view; asking for a refill of the figures needs review.manage.
    STATS_VIEW = "stats.view"


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.HAMLET_SURVEYOR: frozenset(
        {Perm.HOUSEHOLD_VIEW, Perm.HOUSEHOLD_EDIT, Perm.REVIEW_VIEW, Perm.REVIEW_SURVEY, Perm.CITIZEN_ID_VIEW,
         Perm.SUPPORT_VIEW, Perm.STATS_VIEW}
    ),
    Role.COMMUNE_OFFICER: frozenset(
        {
            Perm.HOUSEHOLD_VIEW, Perm.HOUSEHOLD_EDIT, Perm.CITIZEN_ID_VIEW, Perm.UNIT_MANAGE, Perm.AUDIT_VIEW,
            Perm.REVIEW_VIEW, Perm.REVIEW_SURVEY, Perm.REVIEW_MANAGE, Perm.DATA_IMPORT, Perm.SUPPORT_VIEW,
            Perm.SUPPORT_EDIT, Perm.RESOURCE_MANAGE, Perm.TARGET_MANAGE, Perm.STATS_VIEW,
        }
    ),
    Role.COMMUNE_APPROVER: frozenset(
        {Perm.HOUSEHOLD_VIEW, Perm.CITIZEN_ID_VIEW, Perm.AUDIT_VIEW, Perm.REVIEW_VIEW, Perm.REVIEW_APPROVE,
         Perm.SUPPORT_VIEW, Perm.STATS_VIEW}
    ),
    # Province staff work on figures, not on individual identities: citizen IDs stay masked.
    Role.PROVINCE_OFFICER: frozenset(
        {Perm.HOUSEHOLD_VIEW, Perm.HOUSEHOLD_EDIT, Perm.UNIT_MANAGE, Perm.AUDIT_VIEW, Perm.REVIEW_VIEW, Perm.USER_MANAGE,
         Perm.DATA_IMPORT, Perm.SUPPORT_VIEW, Perm.SUPPORT_EDIT, Perm.RESOURCE_MANAGE, Perm.TARGET_MANAGE,
         Perm.STATS_VIEW}
    ),
    Role.PROVINCE_VIEWER: frozenset({Perm.HOUSEHOLD_VIEW, Perm.REVIEW_VIEW, Perm.SUPPORT_VIEW, Perm.STATS_VIEW}),
    Role.SYSTEM_ADMIN: frozenset(
        {
            Perm.HOUSEHOLD_VIEW, Perm.HOUSEHOLD_EDIT, Perm.CITIZEN_ID_VIEW, Perm.UNIT_MANAGE, Perm.AUDIT_VIEW,
            Perm.REVIEW_VIEW, Perm.REVIEW_SURVEY, Perm.REVIEW_MANAGE, Perm.REVIEW_APPROVE, Perm.USER_MANAGE,
            Perm.DATA_IMPORT, Perm.SUPPORT_VIEW, Perm.SUPPORT_EDIT, Perm.RESOURCE_MANAGE, Perm.TARGET_MANAGE,
            Perm.STATS_VIEW,
        }
    ),
}


# Where each role may be granted. A commune role on a province would hand citizen IDs of a whole
# province to one commune officer, which is what the split between roles exists to prevent.
ROLE_UNIT_LEVELS: dict[str, frozenset[str]] = {
    Role.HAMLET_SURVEYOR: frozenset({"hamlet", "commune"}),
    Role.COMMUNE_OFFICER: frozenset({"commune"}),
    Role.COMMUNE_APPROVER: frozenset({"commune"}),
    Role.PROVINCE_OFFICER: frozenset({"province"}),
    Role.PROVINCE_VIEWER: frozenset({"province"}),
    Role.SYSTEM_ADMIN: frozenset({"province"}),
}
