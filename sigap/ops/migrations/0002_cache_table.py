"""The rate-limit cache lives in a database table (settings.CACHES); `sigap migrate` makes it.

`createcachetable` does nothing for caches that are not database caches, and skips a table
that exists, so this is safe to run on any configuration and more than once.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_initial")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False)]
