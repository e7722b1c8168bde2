"""Background tasks of the support app, run by ``giamngheo worker`` (docs/adr/0007)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_export_job(job_id: int) -> str:
    """Write one export's file (``support.services.exports``)."""
    from giamngheo.support.services.exports import export_job_run

    return str(export_job_run(job_id=job_id).status)
