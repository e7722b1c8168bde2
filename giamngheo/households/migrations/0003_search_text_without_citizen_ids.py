"""Rebuild every household's ``search_text`` without citizen IDs (issue 13, class 1).

Until now the text every role searches held each member's full citizen ID, so a role that sees IDs masked
could find a household by its members' IDs and rebuild a masked ID digit by digit. Citizen IDs are now
matched through ``Member.citizen_id``, only where the user may see them (``households.search``).

The same Python code runs on SQLite and PostgreSQL (folding diacritics has no portable SQL), in batches of
households by primary key so that memory stays flat at a national registry's size.
"""

from __future__ import annotations

from django.db import migrations

from giamngheo.households.search import search_text_for

BATCH = 2000


def rebuild_search_text(apps, schema_editor):  # noqa: ARG001 - the migration API passes both
    Household = apps.get_model("households", "Household")
    Member = apps.get_model("households", "Member")
    last_pk = 0
    while True:
        rows = list(
            Household.objects.filter(pk__gt=last_pk).order_by("pk").values("pk", "code", "hamlet__name", "search_text")[
                :BATCH
            ]
        )
        if not rows:
            return
        last_pk = rows[-1]["pk"]
        names: dict[int, list[str]] = {row["pk"]: [] for row in rows}
        members = (
            Member.objects.filter(household_id__in=list(names)).order_by("household_id", "position", "pk")
            .values_list("household_id", "name")
        )
        for household_id, name in members:
            names[household_id].append(name)
        changed = []
        for row in rows:
            text = search_text_for(code=row["code"], hamlet_name=row["hamlet__name"], member_names=names[row["pk"]])
            if text != row["search_text"]:
                changed.append(Household(pk=row["pk"], search_text=text))
        Household.objects.bulk_update(changed, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("households", "0002_search_trigram_index")]

    # Not reversible in content: the old text held citizen IDs, which must not come back.
    operations = [migrations.RunPython(rebuild_search_text, migrations.RunPython.noop, elidable=True)]
