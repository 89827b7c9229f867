"""Load the Surakarta defaults shipped in sigap/agencies/data (copied from the city reference)."""

import csv
from pathlib import Path

DATA = Path(__file__).parent / "data"


def _rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_defaults(Agency, Category, Kelurahan) -> None:
    """Idempotent: rows that exist keep any edits an administrator made."""
    for row in _rows("agencies.csv"):
        Agency.objects.get_or_create(
            code=row["code"], defaults={"name": row["name"], "abbreviation": row["abbreviation"], "kind": row["kind"]}
        )
    for row in _rows("categories.csv"):
        agency = Agency.objects.filter(code=row["usual_agency_code"]).first()
        Category.objects.get_or_create(name=row["name"], defaults={"usual_agency": agency})
    for row in _rows("wilayah.csv"):
        Kelurahan.objects.get_or_create(kecamatan=row["kecamatan"], name=row["kelurahan"])
