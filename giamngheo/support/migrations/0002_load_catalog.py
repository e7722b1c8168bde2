from django.db import migrations


def load(apps, schema_editor):
    from giamngheo.support.catalog import load_catalog

    load_catalog(apps.get_model("support", "SupportKind"), apps.get_model("support", "SupportKindNeed"),
                 apps.get_model("support", "Programme"))


class Migration(migrations.Migration):
    dependencies = [("support", "0001_support_records_resources_targets")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
