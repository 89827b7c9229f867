"""Finding complaints by what citizens wrote: the staff list's search box and the API's `q`.

On PostgreSQL (migrations 0006 and 0007 make the column, triggers and indexes):
- full text with the `indonesian` configuration (Snowball's Indonesian stemmer: "jalan",
  "jalannya", "dijalankan" meet), over the complaint's stored search vector
  (`cases_complaint.search`), which PostgreSQL keeps for the complaint's text and the messages
  of it, follow-ups included;
- each query word also as its slang and standard forms (the triage lexicon: "gak" finds
  "tidak" and "tidak" finds "gak", "jln" finds "jalan");
- typos ("smapah", "jalan berlubng", "pju mti"), when the words themselves find nothing: each
  unknown word is replaced by the closest known words of a small word table (migration 0008,
  rebuilt by the worker once a day), found through that table's trigram index, and the stored
  vectors are searched again with them — pg_trgm's "Text Search Integration";
- handles, names and tracking-number fragments by trigram-indexed substring.
Everything is an index condition, so no search reads the whole table.

Elsewhere (SQLite for development) a plain case-insensitive substring search.
"""

from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.postgres.lookups import SearchLookup
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection, transaction
from django.db.models import Expression, F, Lookup, Q, QuerySet
from django.utils import timezone

from sigap.lib import tracking

CONFIG = "indonesian"
MAX_WORDS = 8
MAX_FORMS = 8  # spellings tried per word


CAP = 500  # a search lists at most the newest this many matches (20 pages): narrow it with the filters
WINDOWS = (2_000, 20_000, 200_000, None)  # the newest so many complaints searched first, then more
ORDERED_WINDOW = 20_000  # up to this size a window is read newest first (see _newest)
# Typos. Trigrams only shortlist known words: a swap of two letters shares few of them ("smapah" and
# "sampah" are 0.27 alike, "mti" and "mati" 0.29, below pg_trgm's default 0.3, and "sma", "smapi"
# rank above "sampah"), so the shortlist is ranked by edits (a swap counts as one), then by how
# many complaints use the word ("mti" is one edit from "mati" and from "mtr": "mati" is common).
TYPO_SIMILARITY = 0.2  # pg_trgm similarity a known word needs to be shortlisted
TYPO_SHORTLIST = 200  # known words shortlisted per unknown word, the most similar first (a swap ranks low)
TYPO_CANDIDATES = 3  # of the closest, the most used stand in for the unknown word…
TYPO_RARER = 20  # …but not those used this many times less than the first: more typos ("trotaar")
WORDS_EVERY = timedelta(days=1)
WORDS_LEASE = timedelta(hours=1)  # a rebuild takes seconds; one not finished by then is tried again


def complaints_matching(q: str, base: QuerySet, *, identity: bool) -> Q:
    """A filter for the complaints of `base` whose number, text, messages or complainant match `q`.

    `identity` is False for those who may not see who complained (an agency on an anonymous
    complaint): then handles and names only match complaints that are not anonymous.

    On PostgreSQL the matches are found first, newest first and at most CAP of them, through
    the search indexes only (so the caller's ordering and paging never make the planner read
    the table row by row to test the text); the filter is then their ids.
    """
    q = " ".join(q.replace("\x00", "").split())[:200]
    number = tracking.normalize(q, settings.SIGAP_TRACKING_PREFIX)
    if number:
        return Q(tracking_number=number)
    if connection.vendor != "postgresql":
        from sigap.cases.models import Message

        who = Q(complainant_handle__icontains=q) | Q(complainant_name__icontains=q)
        in_messages = Message.objects.filter(text__icontains=q).values("complaint_id")
        return Q(tracking_number__icontains=q) | Q(text__icontains=q) | Q(pk__in=in_messages) | _who(who, identity)
    words = query_words(q)
    direct = Q(pk__in=[])
    if len(q) >= 3:
        direct |= _who(Q(complainant_handle__icontains=q) | Q(complainant_name__icontains=q), identity)
    if _looks_like_number_part(q):
        direct |= Q(tracking_number__icontains=q)
    if not words:
        return _one_of(_newest(base, direct))
    ids = _newest(base, direct | Q(SearchLookup(StoredSearch(), _tsquery(words))))
    if ids or len(q) < 4:
        return _one_of(ids)
    # Nothing by its words (nor by a name or number): perhaps a typo ("smapah") — the known words
    # spelled closest to it instead.
    forms = _corrected(words)
    if forms is None:
        return Q(pk__in=[])
    return _one_of(_newest(base, Q(SearchLookup(StoredSearch(), _tsquery_of(forms)))))


class AnyOf(Lookup):
    """`column = ANY(%s)` with the ids as one array parameter.

    `pk__in` writes one placeholder per id, and psycopg's client-side binding (Django's default)
    parses the query text around each: with CAP ids that cost more than running the query.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, [int(pk) for pk in self.rhs]]


def _one_of(ids: list[int]) -> Q:
    return Q(AnyOf(F("pk"), ids)) if ids else Q(pk__in=[])  # no ids: Django runs no query at all


class StoredSearch(Expression):
    """The complaint's stored search vector (migration 0007), which the model does not declare.

    Declaring it would put it in the ORM's INSERTs and `sigap generate`'s COPY, and PostgreSQL
    fills it itself. Named through the query's own alias, so it also works inside a subquery.
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name_unless_alias(compiler.query.get_initial_alias())}.search", []


def _newest(base: QuerySet, match: Q, windows=WINDOWS) -> list[int]:
    """Up to CAP matching ids, newest first, looking at the newest complaints before the older ones.

    Each look is bounded by an id range (ids grow with time), so a common word costs what its
    matches among the newest complaints cost, not all of them. In the small windows the newest CAP
    are asked for: a common word ("sampah", in one complaint of fifteen) then reads the newest rows
    backwards and stops at CAP matches, rather than gathering every match of the window from the
    index (7 ms against 32 at a million complaints). The large windows are never read that way: a
    rare word would make it a walk through most of the table.
    """
    top = base.model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    found: set[int] = set()
    for size in windows:
        floor = max(top - size, 0) if size else 0
        window = base.filter(pk__gt=floor) if floor else base
        matches = window.filter(match).values_list("pk", flat=True)
        # Newest first only where the window bounds the walk (not when it is the whole table).
        matches = matches.order_by("-pk")[:CAP] if floor and size <= ORDERED_WINDOW else matches.order_by()
        found = set(matches)
        if len(found) >= CAP or not floor:
            break
    return sorted(found, reverse=True)[:CAP]


def _who(match: Q, identity: bool) -> Q:
    return match if identity else match & Q(anonymous=False)


def _looks_like_number_part(q: str) -> bool:
    cleaned = q.replace("-", "")
    return 4 <= len(cleaned) <= 12 and cleaned.isascii() and cleaned.isalnum()


def query_words(q: str) -> list[str]:
    from sigap.triage.text import tokenize

    words = [w for w in tokenize(q.lower()) if w not in {"?", "!"}]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def spellings(word: str) -> list[str]:
    """The word, its standard form if it is slang, and the slang written for that standard form."""
    standard = _lexicon().get(word, word)
    forms = [word, *standard.split()[:1], *_slang_of().get(standard, ())]
    return list(dict.fromkeys(forms))[:MAX_FORMS]


def _tsquery(words: list[str]) -> SearchQuery:
    return _tsquery_of([spellings(word) for word in words])


def _tsquery_of(forms: list[list[str]]) -> SearchQuery:
    """Each word as one of its forms, all the words together."""
    query = None
    for word_forms in forms:
        either = None
        for form in word_forms:
            one = SearchQuery(form, config=CONFIG, search_type="plain")
            either = one if either is None else either | one
        query = either if query is None else query & either
    return query


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, str]:
    from sigap.triage.text import slang_lexicon

    return slang_lexicon()


@lru_cache(maxsize=1)
def _slang_of() -> dict[str, tuple[str, ...]]:
    """Standard word → the one-word slang spellings of it (shortest first)."""
    reverse: dict[str, list[str]] = {}
    for slang, standard in _lexicon().items():
        if " " not in standard and slang != standard:
            reverse.setdefault(standard, []).append(slang)
    return {word: tuple(sorted(forms, key=lambda s: (len(s), s))) for word, forms in reverse.items()}


# Typos -------------------------------------------------------------------------------------


def _corrected(words: list[str]) -> list[list[str]] | None:
    """The query's words with each unknown one replaced by the closest known words; None if none is.

    Known words are those of the word table (`cases_searchword`, migration 0008), found with its
    trigram index, one query for all the words. A word the slang lexicon knows is no typo, and
    one too short or with digits has too few trigrams to be told apart from its neighbours.
    """
    checked = [w for w in words if len(w) >= 3 and w.isalpha() and spellings(w) == [w]]
    if not checked:
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [TYPO_SIMILARITY])
        cursor.execute(
            """
            SELECT q.word, w.word, w.ndoc
            FROM unnest(%s::text[]) AS q(word)
            CROSS JOIN LATERAL (
                SELECT word, ndoc FROM cases_searchword
                WHERE word %% q.word AND length(word) BETWEEN length(q.word) - 2 AND length(q.word) + 2
                ORDER BY similarity(word, q.word) DESC
                LIMIT %s
            ) w
            """,
            [checked, TYPO_SHORTLIST],
        )
        shortlist: dict[str, list[tuple[str, int]]] = {}
        for word, known, ndoc in cursor.fetchall():
            shortlist.setdefault(word, []).append((known, ndoc))
    forms, changed = [], False
    for word in words:
        closest = _closest(word, shortlist.get(word, [])) if word in checked else []
        changed |= bool(closest) and closest != [word]
        forms.append(closest or spellings(word))
    return forms if changed else None


def _closest(word: str, known: list[tuple[str, int]]) -> list[str]:
    """The most used of the known words fewest edits from `word` (itself if it is known)."""
    allowed = 1 if len(word) <= 4 else 2
    ranked = sorted((edits(word, other, allowed), -ndoc, other) for other, ndoc in known)
    if not ranked or ranked[0][0] > allowed:
        return []
    fewest, most = ranked[0][0], -ranked[0][1]
    return [other for n, ndoc, other in ranked if n == fewest and -ndoc * TYPO_RARER >= most][:TYPO_CANDIDATES]


def edits(a: str, b: str, most: int | None = None) -> int:
    """Letters added, removed, changed or two neighbours swapped to make `b` of `a`.

    The optimal-string-alignment distance: "smapah" is one swap from "sampah", where plain
    Levenshtein counts two changes. Past `most` the count stops at most + 1 (a long word against
    hundreds of shortlisted ones costs no more than a short one).
    """
    before, row = None, list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if before is not None and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if most is not None and min(current) > most:
            return most + 1
        before, row = row, current
    return row[-1] if most is None else min(row[-1], most + 1)


# The word table -----------------------------------------------------------------------------

# The known words: those of the complaints' own text, unstemmed ('simple': lower case only), and
# only those that at least 3 complaints use. Unstemmed, because a typo is a typo of what people
# write: "berlubng" is one edit from "berlubang" but four from its stem "lubang" (the stemmer
# leaves "berlubng" whole), "kebakran" one from "kebakaran", "ditangni" one from "ditangani";
# measured on 300,000 complaints, the 'indonesian' stems of the stored vectors mended those to
# "belung", "bakwan" and "datangin", the unstemmed words rightly (both mend "smapah", "pju mti").
# The search then stems the words it picked like any other. At least 3 complaints, because a
# person's name or handle that one complaint mentions must not linger here: once that complaint
# is pseudonymised (sigap.ops.privacy), the next rebuild forgets the name. Follow-up messages
# are left out for the same count (a complaint and its follow-ups are one complaint); they use
# the words complaints use, and the search itself still reads them. Letters only, 3 to 32 of them:
# numbers, links and handles have no typos worth mending.
#
# One statement, in one transaction: searches read the old rows until it commits and never wait
# (a new table renamed into place would need a lock that queues them); words that stay are not
# rewritten unless their count changed. At 300,000 complaints it takes 6 to 13 s, nearly all of it
# ts_stat reading the texts (the stored stems would take 1 to 2 s, but mend none of the above).
REBUILD_WORDS = """
    WITH fresh AS MATERIALIZED (
        SELECT word, ndoc FROM ts_stat('SELECT to_tsvector(''simple'', text) FROM cases_complaint')
        WHERE ndoc >= 3 AND word ~ '^[[:alpha:]]{3,32}$'
    ), gone AS (
        DELETE FROM cases_searchword w WHERE NOT EXISTS (SELECT FROM fresh WHERE fresh.word = w.word)
    )
    INSERT INTO cases_searchword AS w (word, ndoc) SELECT word, ndoc FROM fresh
    ON CONFLICT (word) DO UPDATE SET ndoc = excluded.ndoc WHERE w.ndoc <> excluded.ndoc
"""


def rebuild_words_when_due(now: datetime | None = None) -> bool:
    """The worker's job: the word table rebuilt once a day; False when it is not due.

    The claim is one conditional UPDATE that moves the due time on by a lease: of several workers
    only the one whose UPDATE changed the row rebuilds. A worker killed mid-way leaves the rebuild
    due again when the lease lapses; a finished one makes it due a day later.
    """
    if connection.vendor != "postgresql":
        return False
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_searchword_due SET due_at = %s WHERE due_at <= %s", [now + WORDS_LEASE, now])
        if cursor.rowcount != 1:
            return False
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(REBUILD_WORDS)
        cursor.execute("UPDATE cases_searchword_due SET due_at = %s", [now + WORDS_EVERY])
        cursor.execute("ANALYZE cases_searchword")  # the planner's choice of its index; searches do not wait
    return True
