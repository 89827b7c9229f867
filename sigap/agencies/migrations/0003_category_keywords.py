"""Seed each category's routing keywords from the triage library's shipped rules.

Only empty keyword fields are filled, so an administrator's edits survive; the rules file is
sigap/triage/data/routing-keywords.json (one list per category name).
"""

import json
from pathlib import Path

from django.db import migrations

RULES = Path(__file__).resolve().parents[2] / "triage" / "data" / "routing-keywords.json"


def seed(apps, schema_editor):
    Category = apps.get_model("agencies", "Category")
    rules = json.loads(RULES.read_text(encoding="utf-8")).get("categories", {})
    for category in Category.objects.filter(keywords=""):
        keywords = rules.get(category.name, {}).get("keywords", [])
        if keywords:
            category.keywords = "\n".join(keywords)
            category.save(update_fields=["keywords"])


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_surakarta_defaults")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
