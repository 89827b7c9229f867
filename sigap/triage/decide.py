"""Triage, routing and duplicate decisions: what Sigap decides by itself, and what people decide.

`triage_message` runs in `sigap worker` (from `sigap.platforms.intake.ingest`, inside the
delivery's transaction), never in a web request. A confident decision is final and acted on at
once; a doubtful message waits in the triage queue, where `message_triage` records a person's
decision and acts on it. Every decision is a `Decision` row with its time, so SOP step 2's
60 minutes run from the platform's post time to the decision, whoever made it.

The other actions here are the staff's: confirming or correcting a complaint's routing, merging or
keeping apart possible duplicates, and answering or closing questions no template fitted. Each
checks permissions through `sigap.cases.actions`, writes its row or Event, and returns.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import asdict
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sigap.agencies.models import Agency, Category, Kelurahan
from sigap.cases import actions
from sigap.cases.actions import ActionError
from sigap.cases.models import OPEN_STATUSES, TRIAGE_WAITING, Complaint, Message, Reply, TriageState
from sigap.lib import memo
from sigap.triage.classifier import TriageModel, TriageResult, clip_text, default_model
from sigap.triage.models import Decision, DuplicateLink, Label, ReplyTemplate, RoutingDecision, RoutingSuggestion
from sigap.triage.pii import find_pii, pii_kinds
from sigap.triage.places import find_places
from sigap.triage.routing import DEFAULT_RULES_PATH, KeywordRouter, RoutingModel
from sigap.triage.text import normalize, normalize_tokens

log = logging.getLogger(__name__)

TRIAGE_FILE = "triage.joblib"
ROUTING_FILE = "routing.joblib"

# Duplicates: recent open complaints only, and not too many of them, so opening stays cheap.
DUPLICATE_DAYS = 14
DUPLICATE_CANDIDATES = 200
DUPLICATE_LINKS = 3
# Word-set Jaccard similarity needed to suggest a duplicate: less when both name the same place,
# less again when it is the same person writing twice.
DUPLICATE_MIN = 0.45
DUPLICATE_MIN_SAME_PLACE = 0.3
DUPLICATE_MIN_SAME_PERSON = 0.2
# One greeting reply per person per day: "mantap min" ten times gets one thank-you, not ten.
GREETING_GAP = timedelta(hours=24)

# Words that say nothing about which problem it is; the placeholders of sigap.triage.text too.
_STOP = frozenset(
    "yang dan di ke dari ini itu ada sudah udah belum tidak ga gak ya iya admin mohon tolong sekali banget sama "
    "untuk dengan pada karena juga kalau bisa saya kami kita warga pak bu bapak ibu mas mbak min terima kasih "
    "segera sejak jam hari lagi masih sangat kok nih deh dong sih atau akan para oleh jadi agar supaya "
    "xurl xmention xemail xphone xnumber xnik xemojipos xemojineg xemoji".split()
)
# Words that mark a message as Javanese, read before slang normalisation turns them Indonesian.
_JAVANESE = frozenset(
    "nuwun suwun sugeng nggih inggih sampun mboten boten panjenengan enjing sanget pripun piye kulo kula matur "
    "monggo mangga nyuwun sedoyo sedaya dalem njih".split()
)


# -- models: loaded once per process, again when `sigap train` replaces a file --------------


_lock = threading.Lock()
_loaded: dict[str, tuple[object, object]] = {}


def model_dir() -> Path:
    return Path(settings.SIGAP_MODEL_DIR)


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _cached(name: str, key, load):
    with _lock:
        hit = _loaded.get(name)
        if hit is not None and hit[0] == key:
            return hit[1]
    value = load()
    with _lock:
        _loaded[name] = (key, value)
    return value


def triage_model() -> TriageModel:
    """The deployment's trained model if `sigap train` wrote one, else the shipped model."""
    path = model_dir() / TRIAGE_FILE
    return _cached("triage", (str(path), _mtime(path)), lambda: _load(TriageModel, path) or default_model())


def _load(cls, path: Path):
    if not path.exists():
        return None
    try:
        return cls.load(path)
    except Exception:  # a half-copied or foreign file must not stop intake
        log.exception("cannot load %s; using the default", path)
        return None


def model_name(model: TriageModel) -> str:
    if model is default_model():
        return "shipped"
    return f"trained {model.info.get('trained_at', '')}".strip()[:60]


@lru_cache(maxsize=1)
def shipped_rules() -> dict:
    return json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def keyword_rules() -> dict:
    """The categories' keywords as administrators keep them, with the shipped agency keywords."""
    return memo.remembered("triage.keyword_rules", _read_keyword_rules)


def _read_keyword_rules() -> dict:
    categories = {
        name: {"agency": code, "keywords": [line.strip() for line in keywords.splitlines() if line.strip()]}
        for name, keywords, code in Category.objects.filter(active=True)
        .order_by("name")
        .values_list("name", "keywords", "usual_agency__code")
    }
    return {"categories": categories, "agencies": shipped_rules().get("agencies", {})}


def routing_targets() -> tuple[dict[str, Category], dict[str, Agency]]:
    """The active categories by name and agencies by code, which suggestions name: read once a while, not per complaint."""
    return memo.remembered("triage.routing_targets", _read_routing_targets)


def _read_routing_targets() -> tuple[dict[str, Category], dict[str, Agency]]:
    categories = {c.name: c for c in Category.objects.filter(active=True).select_related("usual_agency")}
    return categories, {a.code: a for a in Agency.objects.filter(active=True)}


def router() -> KeywordRouter | RoutingModel:
    """The trained routing model if there is one; until then, keyword rules from the database."""
    path = model_dir() / ROUTING_FILE
    mtime = _mtime(path)
    if mtime is not None:
        model = _cached("routing", (str(path), mtime), lambda: _load(RoutingModel, path))
        if model is not None:
            return model
    return keyword_router()


def keyword_router() -> KeywordRouter:
    """A router from the categories' keywords, rebuilt when an administrator edits them."""
    rules = keyword_rules()
    key = hashlib.sha256(json.dumps(rules, sort_keys=True).encode()).hexdigest()
    return _cached("keywords", key, lambda: KeywordRouter.from_rules(rules))


def warm_up() -> None:
    """Load what triage needs, so that the first message does not load it inside a transaction."""
    triage_model()
    router()  # the keyword router when no model is trained


def threshold() -> float:
    return float(settings.SIGAP_TRIAGE_THRESHOLD)


# -- triage ------------------------------------------------------------------------------


@transaction.atomic(savepoint=False)  # inside the delivery's transaction; a savepoint would only cost round trips
def triage_message(*, message: Message) -> Decision:
    """The worker's decision on one inbound message with words or media."""
    model = triage_model()
    result = model.classify(message.text)
    name = model_name(model)
    thread = actions.thread_complaint(message)  # locked until commit: no one else opens it meanwhile
    if thread is not None:
        # The same person in the same thread: part of their open complaint, whatever it says.
        complaint = actions.complaint_open_from_message(message=message, thread=thread)
        _set_state(message, TriageState.DONE)
        return _record(message, result.label, Decision.Outcome.FOLLOW_UP, result=result, model=name, complaint=complaint)
    if _doubtful(message, result):
        _set_state(message, TriageState.PENDING)
        return _record(message, result.label, Decision.Outcome.WAITING, result=result, model=name, final=False)
    return _apply(message, result.label, by=None, result=result, model=name, thread=None)


def _doubtful(message: Message, result: TriageResult) -> bool:
    """A photo without words, or a message the model is unsure of, waits for a person.

    So does a "greeting" or "other" that names a complaint topic: the model tends to read a
    complaint wrapped in thanks ("…lampu mati seminggu. Matur nuwun 🙏") as a greeting, and a
    complaint answered with a thank-you and nothing else is the costliest mistake triage can make.
    """
    if not message.text.strip() or result.confidence < threshold():
        return True
    return result.label in (Label.GREETING, Label.OTHER) and bool(keyword_router().route(message.text).categories)


@transaction.atomic
def message_triage(*, message: Message, label: str, by) -> Decision:
    """A person's decision on a message waiting in the triage queue."""
    actions.check(by, "triage")
    if label not in Label.values:
        raise ActionError(_("Unknown triage label."))
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.triage_state not in TRIAGE_WAITING:
        raise ActionError(_("This message has already been triaged."))
    if message.triage_state == TriageState.TO_ANSWER and label == Label.QUESTION:
        raise ActionError(_("This question is already waiting for an answer."))
    return _apply(message, label, by=by)


def _apply(
    message: Message, label: str, *, by, result: TriageResult | None = None, model: str = "", thread=actions.UNKNOWN
) -> Decision:
    """Act on a final decision: open the complaint, greet, answer, or let it be."""
    state, reply, template, complaint = TriageState.DONE, None, None, None
    if label == Label.COMPLAINT:
        if thread is actions.UNKNOWN:
            thread = actions.thread_complaint(message)
        complaint = actions.complaint_open_from_message(message=message, by=by, thread=thread)
        outcome = Decision.Outcome.FOLLOW_UP if thread is not None else Decision.Outcome.OPENED
        if thread is None:
            suggestion = route_complaint(complaint, new=True)
            link_duplicates(complaint, places=suggestion.places)
    elif label == Label.GREETING:
        template = None if _greeted_recently(message) else choose_template(message.text, ReplyTemplate.Kind.GREETING)
        reply = _queue_auto_reply(message, template.text) if template else None
        outcome = Decision.Outcome.GREETED if reply else Decision.Outcome.NO_REPLY
    elif label == Label.QUESTION:
        template = choose_template(message.text, ReplyTemplate.Kind.QUESTION)
        reply = _queue_auto_reply(message, template.text) if template else None
        if reply is None:
            state, outcome = TriageState.TO_ANSWER, Decision.Outcome.TO_ANSWER
        else:
            outcome = Decision.Outcome.ANSWERED
    else:
        outcome = Decision.Outcome.NO_REPLY
    _set_state(message, state)
    return _record(
        message, label, outcome, by=by, result=result, model=model, complaint=complaint,
        reply=reply, template=template if reply else None,
    )


def _record(message, label, outcome, *, by=None, result=None, model="", final=True, complaint=None, reply=None, template=None):
    return Decision.objects.create(
        message=message,
        label=label,
        confidence=result.confidence if result else None,
        scores=result.scores if result else {},
        final=final,
        outcome=outcome,
        by=by,
        model=model if by is None else "",
        complaint=complaint,
        reply=reply,
        template=template,
    )


def _set_state(message: Message, state: str) -> None:
    Message.objects.filter(pk=message.pk).update(triage_state=state)
    message.triage_state = state


# -- automatic replies -------------------------------------------------------------------


def _words(text: str) -> set[str]:
    return set(normalize(text).split())


def message_language(text: str) -> str:
    return "jv" if set(re.findall(r"\w+", text.lower())) & _JAVANESE else "id"


def choose_template(text: str, kind: str) -> ReplyTemplate | None:
    """The template whose keywords the text contains most fully; in the writer's language on a tie.

    A keyword line matches when all its words are in the (slang-normalised) text. A greeting
    with no matching keywords gets a default (a template without keywords); a question does not.
    """
    words, language = _words(clip_text(text)), message_language(clip_text(text))
    best, best_score = None, -1.0
    for template in ReplyTemplate.objects.filter(kind=kind, active=True).order_by("pk"):
        lines = [_words(line) for line in template.keyword_list()]
        matched = max((len(line) for line in lines if line and line <= words), default=0)
        if lines and not matched:
            continue
        if not lines and kind == ReplyTemplate.Kind.QUESTION:
            continue
        score = matched + (0.5 if template.language == language else 0)
        if score > best_score:
            best, best_score = template, score
    return best


def _greeted_recently(message: Message) -> bool:
    if not message.author_id:
        return False
    return Decision.objects.filter(
        outcome=Decision.Outcome.GREETED,
        message__platform=message.platform,
        message__author_id=message.author_id,
        at__gte=timezone.now() - GREETING_GAP,
    ).exists()


def _queue_auto_reply(message: Message, text: str) -> Reply | None:
    """Into the outbox, if the message came through a connected account; never with personal data."""
    text = text.strip()
    if message.account_id is None or not text:
        return None
    if find_pii(text):
        log.warning("reply to message %s not sent: it contains personal data", message.pk)
        return None
    return Reply.objects.create(
        complaint=None,
        message=message,
        kind=Reply.Kind.AUTO,
        platform=message.platform,
        account_id=message.account_id,
        text=text,
    )


@transaction.atomic
def question_answer(*, message: Message, by, text: str) -> Reply:
    """An operator's own answer to a question no template fitted, posted through the outbox."""
    actions.check(by, "triage")
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.triage_state != TriageState.TO_ANSWER:
        raise ActionError(_("This question is no longer waiting for an answer."))
    if message.account_id is None:
        raise ActionError(_("This message did not come through a connected account: answer it on the platform, then close it."))
    if not text.strip():
        raise ActionError(_("Write the answer."))
    found = pii_kinds(text)
    if found:
        raise ActionError(_("The answer contains personal data (%(kinds)s); replies are public.") % {"kinds": ", ".join(found)})
    reply = _queue_auto_reply(message, text)
    _set_state(message, TriageState.DONE)
    actions.record_event("question_answered", by=by, message=message.pk, reply=reply.pk, text=text[:500])
    return reply


@transaction.atomic
def question_close(*, message: Message, by, note: str = "") -> Message:
    """Answered elsewhere, or nothing to answer: the question leaves the queue."""
    actions.check(by, "triage")
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.triage_state != TriageState.TO_ANSWER:
        raise ActionError(_("This question is no longer waiting for an answer."))
    _set_state(message, TriageState.DONE)
    actions.record_event("question_closed", by=by, message=message.pk, note=note[:500])
    return message


# -- routing -----------------------------------------------------------------------------


def route_complaint(complaint: Complaint, *, fill: bool = True, new: bool = False) -> RoutingSuggestion:
    """Store the top-3 categories and agencies, places and personal-data kinds; fill what is empty.

    `fill=False` for a complaint a person entered by hand: what they chose, or left empty, in
    the form stands until they confirm or correct the suggestion in the routing box.
    A complaint is routed once: a second call returns the stored suggestion. `new=True` when
    the complaint was created in this transaction, so there is none to look for.
    """
    stored = None if new else RoutingSuggestion.objects.filter(complaint=complaint).first()
    if stored is not None:
        return stored
    active = router()
    result = active.route(complaint.text)
    categories, agencies = routing_targets()
    places = find_places(complaint.text)
    suggestion = RoutingSuggestion.objects.create(
        complaint=complaint,
        mode="model" if isinstance(active, RoutingModel) else "keywords",
        categories=[{"id": categories[n].pk, "name": n, "score": s} for n, s in result.categories if n in categories],
        agencies=[
            {"id": agencies[c].pk, "code": c, "name": agencies[c].name, "score": s}
            for c, s in result.agencies
            if c in agencies
        ],
        places=[asdict(place) for place in places],
        pii=pii_kinds(complaint.text),
    )
    if fill:
        # The event records what Sigap set on the complaint; a suggestion alone changes nothing.
        _fill_empty(complaint, suggestion, categories, agencies, places)
        actions.record_event(
            "routed",
            complaint=complaint,
            category=str(complaint.category or ""),
            agency=complaint.agency.code if complaint.agency else "",
            kelurahan=str(complaint.kelurahan or ""),
        )
    return suggestion


def _fill_empty(complaint: Complaint, suggestion: RoutingSuggestion, categories: dict, agencies: dict, places) -> None:
    changed = []
    if complaint.category_id is None and suggestion.categories:
        complaint.category = categories[suggestion.top_category_name]
        changed.append("category")
    if complaint.agency_id is None:
        top = agencies.get(suggestion.top_agency_code) or (complaint.category.usual_agency if complaint.category else None)
        if top is not None:
            complaint.agency = top
            changed.append("agency")
    if complaint.kelurahan_id is None:
        complaint.kelurahan = _kelurahan(places)
        if complaint.kelurahan is not None:
            changed.append("kelurahan")
    if changed:
        complaint.save(update_fields=[*changed, "updated_at"])


def _kelurahan(places) -> Kelurahan | None:
    for place in places:
        if place.kind == "kelurahan":
            found = Kelurahan.objects.filter(name__iexact=place.name)
            if place.kecamatan:
                found = found.filter(kecamatan__iexact=place.kecamatan)
            first = found.first()
            if first is not None:
                return first
    return None


@transaction.atomic
def routing_confirm(*, complaint: Complaint, by) -> RoutingDecision:
    """One click: the suggested category and agency are right."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    actions.check(by, "route", complaint)
    suggestion = RoutingSuggestion.objects.filter(complaint=complaint).first()
    category = Category.objects.filter(pk=suggestion.top_category_id).first() if suggestion else None
    agency = Agency.objects.filter(pk=suggestion.top_agency_id).first() if suggestion else None
    if category is None and agency is None:
        raise ActionError(_("There is no suggestion to confirm; choose the category and agency instead."))
    return _route(complaint, by, suggestion, category or complaint.category, agency or complaint.agency)


@transaction.atomic
def routing_correct(*, complaint: Complaint, by, category: Category | None = None, agency: Agency | None = None) -> RoutingDecision:
    """Another category or agency than suggested; a category alone brings its usual agency."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    actions.check(by, "route", complaint)
    if category is None and agency is None:
        raise ActionError(_("Choose a category or an agency."))
    suggestion = RoutingSuggestion.objects.filter(complaint=complaint).first()
    if agency is None:
        agency = (category.usual_agency if category else None) or complaint.agency
    return _route(complaint, by, suggestion, category or complaint.category, agency)


def _route(complaint, by, suggestion, category, agency) -> RoutingDecision:
    suggested = (suggestion.top_category_id, suggestion.top_agency_id) if suggestion else (None, None)
    chosen = (category.pk if category else None, agency.pk if agency else None)
    kind = RoutingDecision.Kind.CONFIRMED if chosen == suggested else RoutingDecision.Kind.CORRECTED
    decision = RoutingDecision.objects.create(
        complaint=complaint,
        kind=kind,
        suggested_category_id=suggested[0],
        suggested_agency_id=suggested[1],
        category=category,
        agency=agency,
        by=by,
    )
    changes = {}
    if complaint.category_id != chosen[0]:
        changes["category"] = [str(complaint.category or ""), str(category or "")]
    if complaint.agency_id != chosen[1]:
        changes["agency"] = [str(complaint.agency or ""), str(agency or "")]
    complaint.category, complaint.agency = category, agency
    complaint.save(update_fields=["category", "agency", "updated_at"])
    actions.record_event(
        "routing_confirmed" if kind == RoutingDecision.Kind.CONFIRMED else "routing_corrected",
        by=by,
        complaint=complaint,
        category=str(category or ""),
        agency=agency.code if agency else "",
        changes=changes,
    )
    return decision


# -- duplicates --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def problem_words(text: str) -> frozenset[str]:
    # Cached: each new complaint is compared with up to DUPLICATE_CANDIDATES recent ones, whose
    # texts never change, so a worker tokenises each text once rather than once per comparison.
    return frozenset(t for t in normalize_tokens(clip_text(text)) if len(t) > 2 and t not in _STOP)


def _place_names(text: str, places: list | None) -> set[str]:
    if places is None:  # no routing suggestion stored (yet)
        places = [asdict(p) for p in find_places(text)]
    return {place["name"].lower() for place in places if place["kind"] != "kecamatan"}


def _same_person(a: dict, b: dict) -> bool:
    if a["complainant_id"] and a["platform"] == b["platform"] and a["complainant_id"] == b["complainant_id"]:
        return True
    handle = a["complainant_handle"].lower().lstrip("@")
    return bool(handle) and handle == b["complainant_handle"].lower().lstrip("@")


def similarity(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


UNKNOWN = actions.UNKNOWN

_DUPLICATE_FIELDS = ("pk", "text", "platform", "complainant_id", "complainant_handle", "routing__places")


def link_duplicates(complaint: Complaint, *, places=UNKNOWN) -> list[DuplicateLink]:
    """Link the complaint to recent open ones that look like the same problem, for a person to judge.

    Candidates share the category or kelurahan, or the complainant (another platform, another
    thread). Two complaints naming different places are different problems, however alike the words.
    """
    near = Q()
    if complaint.category_id:
        near |= Q(category_id=complaint.category_id)
    if complaint.kelurahan_id:
        near |= Q(kelurahan_id=complaint.kelurahan_id)
    if complaint.complainant_handle:
        near |= Q(complainant_handle__iexact=complaint.complainant_handle)
    if not near:
        return []
    since = timezone.now() - timedelta(days=DUPLICATE_DAYS)
    # Plain values, not model instances: this runs for every new complaint, over up to 200 rows.
    candidates = (
        Complaint.objects.filter(near, status__in=OPEN_STATUSES, received_at__gte=since)
        .exclude(pk=complaint.pk)
        .order_by("-received_at")
        .values(*_DUPLICATE_FIELDS)[:DUPLICATE_CANDIDATES]
    )
    this = {
        "complainant_id": complaint.complainant_id,
        "complainant_handle": complaint.complainant_handle,
        "platform": complaint.platform,
    }
    if places is UNKNOWN:  # the routing suggestion's places, unless the caller has them at hand
        places = RoutingSuggestion.objects.filter(complaint=complaint).values_list("places", flat=True).first()
    words, places = problem_words(complaint.text), _place_names(complaint.text, places)
    scored = []
    for other in candidates:
        other_places = _place_names(other["text"], other["routing__places"])
        if places and other_places and not places & other_places:
            continue
        score = similarity(words, problem_words(other["text"]))
        same_person = _same_person(this, other)
        needed = DUPLICATE_MIN_SAME_PERSON if same_person else DUPLICATE_MIN_SAME_PLACE if places & other_places else DUPLICATE_MIN
        if score >= needed:
            scored.append((score, same_person, other["pk"]))
    scored.sort(key=lambda item: (-item[0], -item[2]))
    return [
        DuplicateLink.objects.get_or_create(
            complaint=complaint, other_id=other_pk, defaults={"score": round(score, 3), "same_person": same_person}
        )[0]
        for score, same_person, other_pk in scored[:DUPLICATE_LINKS]
    ]


def _locked_link(link: DuplicateLink) -> DuplicateLink:
    link = DuplicateLink.objects.select_for_update().select_related("complaint", "other").get(pk=link.pk)
    if link.state != DuplicateLink.State.OPEN:
        raise ActionError(_("This possible duplicate has already been decided."))
    return link


@transaction.atomic
def duplicate_merge(*, link: DuplicateLink, by) -> DuplicateLink:
    """The later complaint joins the earlier one (sigap.cases.actions.complaint_merge)."""
    link = _locked_link(link)
    actions.complaint_merge(complaint=link.complaint, into=link.other, by=by)
    link.state, link.decided_by, link.decided_at = DuplicateLink.State.MERGED, by, timezone.now()
    link.save(update_fields=["state", "decided_by", "decided_at"])
    return link


@transaction.atomic
def duplicate_keep_apart(*, link: DuplicateLink, by) -> DuplicateLink:
    """Not the same problem: both carry on, and the desk will not be asked again about this pair."""
    actions.check(by, "triage")
    link = _locked_link(link)
    if not (link.complaint.can_view(by) and link.other.can_view(by)):
        raise PermissionDenied
    link.state, link.decided_by, link.decided_at = DuplicateLink.State.KEPT_APART, by, timezone.now()
    link.save(update_fields=["state", "decided_by", "decided_at"])
    actions.record_event("duplicate_kept_apart", by=by, complaint=link.complaint, duplicate=str(link.other))
    return link
