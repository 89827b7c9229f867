from django.db import migrations


def load(apps, schema_editor):
    from sigap.agencies.seed import load_defaults

    load_defaults(apps.get_model("agencies", "Agency"), apps.get_model("agencies", "Category"), apps.get_model("agencies", "Kelurahan"))


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
