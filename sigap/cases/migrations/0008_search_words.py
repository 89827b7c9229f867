"""The known words the search mends typos with (sigap.cases.search), and when to rebuild them.

`cases_searchword` holds the words of the complaints' text that at least 3 complaints use, with
how many do, under a trigram GIN index: a typo ("smapah") is looked up there with pg_trgm's `%`
and replaced by the closest known words ("sampah") before the stored vectors (0007) are searched
again — pg_trgm's "Text Search Integration". The worker rebuilds it once a day
(`rebuild_words_when_due`, claiming the one row of `cases_searchword_due`); this migration builds
it the first time (seconds per 300,000 complaints). Why unstemmed words and why 3 complaints:
the comment above REBUILD_WORDS in sigap/cases/search.py.

Plain tables, which Django does not know: PostgreSQL only, as 0006 and 0007; SQLite searches
with a plain substring and has none of this.
"""

from django.db import migrations

FORWARD = [
    "CREATE TABLE IF NOT EXISTS cases_searchword (word text PRIMARY KEY, ndoc integer NOT NULL)",
    """
    CREATE TABLE IF NOT EXISTS cases_searchword_due (
        id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        due_at timestamptz NOT NULL
    )
    """,
    "INSERT INTO cases_searchword_due (due_at) VALUES (now() + interval '1 day') ON CONFLICT DO NOTHING",
    # The rebuild as sigap.cases.search.REBUILD_WORDS was written with this migration (a privacy
    # rule: only words at least 3 complaints use).
    """
    INSERT INTO cases_searchword (word, ndoc)
    SELECT word, ndoc FROM ts_stat('SELECT to_tsvector(''simple'', text) FROM cases_complaint')
    WHERE ndoc >= 3 AND word ~ '^[[:alpha:]]{3,32}$'
    ON CONFLICT (word) DO UPDATE SET ndoc = excluded.ndoc
    """,
    # Made after the first fill, and without GIN's pending list ("fastupdate"): the daily rebuild
    # changes a few rows, and words waiting in that list until a vacuum make the planner read
    # every word instead of the index (18 ms instead of 1 per word at 20,000 words).
    "CREATE INDEX IF NOT EXISTS searchword_trgm ON cases_searchword USING gin (word gin_trgm_ops)"
    " WITH (fastupdate = off)",
    "ANALYZE cases_searchword",
]

BACKWARD = [
    "DROP TABLE IF EXISTS cases_searchword_due",
    "DROP TABLE IF EXISTS cases_searchword",  # its index goes with it
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_stored_search"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
