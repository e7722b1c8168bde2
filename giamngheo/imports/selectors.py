"""Reads of import jobs for pages and the API — always on behalf of a user.

A job is visible to the user who uploaded it, and to users who may read the audit trail of the unit it is filed
under (the uploader's home unit: a commune officer's imports are seen by the commune's and the province's
auditors). A job someone may not see does not exist for them (404). The households a committed batch touched are
listed only where the viewer may see households.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for, scope_q
from giamngheo.imports.models import ImportedHousehold, ImportJob

MAX_LISTED = 500  # jobs on the list page; older ones stay in the audit trail


def jobs_visible_to(user: Any) -> QuerySet[ImportJob]:
    if not getattr(user, "is_authenticated", False):
        return ImportJob.objects.none()
    where = Q(created_by=user)
    audit_paths = paths_for(user, Perm.AUDIT_VIEW)
    if audit_paths:
        where |= scope_q(user, Perm.AUDIT_VIEW, "unit_path")
    return ImportJob.objects.filter(where).select_related("created_by", "committed_by")


def job_list(user: Any) -> list[ImportJob]:
    return list(jobs_visible_to(user).order_by("-created_at", "-id")[:MAX_LISTED])


def job_get(user: Any, public_id: Any) -> ImportJob:
    try:
        return jobs_visible_to(user).get(public_id=public_id)
    except (ImportJob.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404 from exc


def touched_households(user: Any, job: ImportJob) -> QuerySet[ImportedHousehold]:
    """The households the batch created or changed that ``user`` may see, in the order written."""
    return (ImportedHousehold.objects.filter(job=job).filter(scope_q(user, Perm.HOUSEHOLD_VIEW, "unit_path"))
            .select_related("household").order_by("id"))
