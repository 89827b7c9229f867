"""A stored search vector on each complaint (sigap.cases.search), kept by PostgreSQL itself.

`cases_complaint.search` holds the `indonesian` full text of the complaint's text and of every
message of it that says something else (the first message usually is the text; follow-ups are
not). Triggers keep it: a complaint written, a message added, edited, moved to another complaint
or removed. They are ENABLE ALWAYS, so they also run for rows written under
`session_replication_role = replica` (`sigap generate`'s COPY, a logical-replication subscriber).
Django does not know the column: no INSERT, UPDATE or COPY of the ORM names it.

Searching it costs no stemming per row, and one GIN index answers text and follow-ups at once;
the expression indexes of 0006 over the two texts are dropped. PostgreSQL only: SQLite searches
with a plain substring and has none of this.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE cases_complaint ADD COLUMN IF NOT EXISTS search tsvector",
    """
    CREATE OR REPLACE FUNCTION cases_complaint_search(complaint_id bigint, complaint_text text) RETURNS tsvector
    LANGUAGE sql STABLE AS $$
        SELECT to_tsvector(
            'indonesian'::regconfig, concat_ws(' ', complaint_text, string_agg(m.text, ' ' ORDER BY m.id))
        )
        FROM cases_message m
        WHERE m.complaint_id = $1 AND m.text <> COALESCE($2, '')
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION cases_complaint_search_fill() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search := cases_complaint_search(NEW.id, NEW.text);
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION cases_message_search_fill() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        target bigint;
        fresh tsvector;
    BEGIN
        FOR target IN
            SELECT DISTINCT id FROM unnest(ARRAY[
                CASE WHEN TG_OP <> 'INSERT' THEN OLD.complaint_id END,
                CASE WHEN TG_OP <> 'DELETE' THEN NEW.complaint_id END
            ]) AS id WHERE id IS NOT NULL
        LOOP
            -- The complaint's row is locked before its messages are read: a message another
            -- transaction adds at the same time is then committed and read here, not lost.
            PERFORM 1 FROM cases_complaint WHERE id = target FOR NO KEY UPDATE;
            SELECT cases_complaint_search(c.id, c.text) INTO fresh FROM cases_complaint c WHERE c.id = target;
            -- Most messages change nothing (the first one repeats the text): no new row version then.
            UPDATE cases_complaint SET search = fresh WHERE id = target AND search IS DISTINCT FROM fresh;
        END LOOP;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER complaint_search_insert BEFORE INSERT ON cases_complaint
    FOR EACH ROW EXECUTE FUNCTION cases_complaint_search_fill()
    """,
    """
    CREATE TRIGGER complaint_search_update BEFORE UPDATE OF text ON cases_complaint
    FOR EACH ROW WHEN (OLD.text IS DISTINCT FROM NEW.text) EXECUTE FUNCTION cases_complaint_search_fill()
    """,
    """
    CREATE TRIGGER message_search AFTER INSERT OR DELETE OR UPDATE OF text, complaint_id ON cases_message
    FOR EACH ROW EXECUTE FUNCTION cases_message_search_fill()
    """,
    "ALTER TABLE cases_complaint ENABLE ALWAYS TRIGGER complaint_search_insert",
    "ALTER TABLE cases_complaint ENABLE ALWAYS TRIGGER complaint_search_update",
    "ALTER TABLE cases_message ENABLE ALWAYS TRIGGER message_search",
    "UPDATE cases_complaint SET search = cases_complaint_search(id, text)",
    "CREATE INDEX IF NOT EXISTS complaint_search ON cases_complaint USING gin (search)",
    "DROP INDEX IF EXISTS complaint_text_fts",
    "DROP INDEX IF EXISTS message_text_fts",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS message_search ON cases_message",
    "DROP TRIGGER IF EXISTS complaint_search_update ON cases_complaint",
    "DROP TRIGGER IF EXISTS complaint_search_insert ON cases_complaint",
    "DROP FUNCTION IF EXISTS cases_message_search_fill()",
    "DROP FUNCTION IF EXISTS cases_complaint_search_fill()",
    "DROP FUNCTION IF EXISTS cases_complaint_search(bigint, text)",
    "ALTER TABLE cases_complaint DROP COLUMN IF EXISTS search",  # its index goes with it
    # 0006's indexes, as 0006 made them.
    "CREATE INDEX IF NOT EXISTS complaint_text_fts ON cases_complaint"
    " USING gin (to_tsvector('indonesian'::regconfig, COALESCE(text, '')))",
    "CREATE INDEX IF NOT EXISTS message_text_fts ON cases_message"
    " USING gin (to_tsvector('indonesian'::regconfig, COALESCE(text, '')))",
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
        ("cases", "0006_search"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
