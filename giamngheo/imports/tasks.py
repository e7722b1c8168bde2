"""Background tasks of the import: validation and commit, run by ``giamngheo worker`` (docs/adr/0007)."""

from __future__ import annotations

from django_tasks import task

from giamngheo.imports.models import ImportJob


@task()
def validate_job(job_id: int) -> str:
    from giamngheo.imports.services import run_validation

    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    return str(run_validation(job).status)


@task()
def commit_job(job_id: int) -> str:
    from giamngheo.imports.services import run_commit

    job = ImportJob.objects.select_related("created_by", "committed_by").get(pk=job_id)
    return str(run_commit(job).status)
