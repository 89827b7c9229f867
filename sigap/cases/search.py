"""Finding complaints by what citizens wrote: the staff list's search box and the API's `q`.

On PostgreSQL (migrations 0006 and 0007 make the column, triggers and indexes):
- full text with the `indonesian` configuration (Snowball's Indonesian stemmer: "jalan",
  "jalannya", "dijalankan" meet), over the complaint's stored search vector
  (`cases_complaint.search`), which PostgreSQL keeps for the complaint's text and the messages
  of it, follow-ups included;
- each query word also as its slang and standard forms (the triage lexicon: "gak" finds
  "tidak" and "tidak" finds "gak", "jln" finds "jalan");
- trigram word similarity (pg_trgm) for typos ("smpah" or "sampha" find "sampah"), when the
  words themselves find nothing;
- handles, names and tracking-number fragments by trigram-indexed substring.
Everything is an index condition, so no search reads the whole table.

Elsewhere (SQLite for development) a plain case-insensitive substring search.
"""

from functools import lru_cache

from django.conf import settings
from django.contrib.postgres.lookups import SearchLookup, TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection, transaction
from django.db.models import Expression, F, Q, QuerySet, Value

from sigap.lib import tracking

CONFIG = "indonesian"
MAX_WORDS = 8
MAX_FORMS = 8  # spellings tried per word


CAP = 500  # a search lists at most the newest this many matches (20 pages): narrow it with the filters
WINDOWS = (2_000, 20_000, 200_000, None)  # the newest so many complaints searched first, then more
TYPO_WINDOWS = (2_000, 20_000)  # similarity is dear: typos are looked for among the newest complaints only
TYPO_SIMILARITY = 0.4  # pg_trgm word similarity for the typo fallback ("smpah" ~ "sampah" is 0.5)


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
    if words:
        ids = _newest(base, direct | Q(SearchLookup(StoredSearch(), _tsquery(words))))
        if ids or len(q) < 4:
            return Q(pk__in=ids)
    # Nothing by its words: perhaps a typo ("smpah") — some stretch of the text spelled close to it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s", [TYPO_SIMILARITY])
        typo = direct | Q(TrigramWordSimilar(F("text"), Value(q.lower())))
        return Q(pk__in=_newest(base, typo, windows=TYPO_WINDOWS))


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

    Each look is a bitmap scan of the search indexes bounded by an id range (ids grow with time),
    so a common word costs what its matches among the newest complaints cost, not all of them.
    """
    top = base.model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    found: set[int] = set()
    for size in windows:
        floor = max(top - size, 0) if size else 0
        window = base.filter(pk__gt=floor) if floor else base
        found = set(window.filter(match).order_by().values_list("pk", flat=True))
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
    query = None
    for word in words:
        either = None
        for form in spellings(word):
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
