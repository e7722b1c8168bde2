"""Fill the status spans and case needs of the ledger and the cases already stored (derived data: the
same rules as ``reviews.status`` and ``reviews.needs``, run on the historical models)."""

from django.db import migrations

CHUNK = 900


def fill(apps, schema_editor):
    import polars as pl

    from giamngheo.reviews.status import _FIELDS, _SCHEMA, spans_of

    LedgerEntry = apps.get_model("reviews", "LedgerEntry")
    StatusSpan = apps.get_model("reviews", "StatusSpan")
    ReviewCase = apps.get_model("reviews", "ReviewCase")
    CaseNeed = apps.get_model("reviews", "CaseNeed")
    ids = sorted(set(LedgerEntry.objects.values_list("household_id", flat=True)))
    for start in range(0, len(ids), CHUNK):
        rows = list(LedgerEntry.objects.filter(household_id__in=ids[start:start + CHUNK]).values_list(*_FIELDS))
        spans = spans_of(pl.DataFrame(rows, schema=_SCHEMA, orient="row"))
        StatusSpan.objects.bulk_create([StatusSpan(**row) for row in spans.iter_rows(named=True)], batch_size=2000)
    latest: set[int] = set()
    needs: list = []
    for pk, household_id, surveyed_on, year, wishes, unit_path in (
            ReviewCase.objects.filter(survey_complete=True, surveyed_on__isnull=False)
            .order_by("household_id", "-surveyed_on", "-pk")
            .values_list("pk", "household_id", "surveyed_on", "cycle__year", "wishes", "unit_path").iterator()):
        current = household_id not in latest
        latest.add(household_id)
        needs.extend(CaseNeed(case_id=pk, household_id=household_id, code=code, stated_on=surveyed_on, year=year,
                              current=current, unit_path=unit_path)
                     for code in dict.fromkeys(wishes or []) if isinstance(code, str))
    CaseNeed.objects.bulk_create(needs, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0005_status_spans_case_needs")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
