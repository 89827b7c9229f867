"""What the API accepts and returns. Inputs refuse unknown fields and bound every value, so
nothing a client sends can reach the database in a shape it cannot store."""

from datetime import datetime
from enum import Enum
from typing import Annotated
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from sigap.cases.models import Answer, Status
from sigap.platforms.models import PlatformName

WIB = ZoneInfo("Asia/Jakarta")
MAX_ID = 2**31 - 1

StatusName = Enum("StatusName", {s: s for s in Status.values}, type=str)
PlatformCode = Enum("PlatformCode", {p: p for p in PlatformName.values}, type=str)
AnswerStatusName = Enum("AnswerStatusName", {s: s for s in Answer.Status.values}, type=str)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(_("Must not contain NUL characters."))
    return value


def _http_url(value: str) -> str:
    if not value:
        return value
    try:
        URLValidator(schemes=["http", "https"])(value)
    except DjangoValidationError:
        raise ValueError(_("Must be a web address starting with http:// or https://.")) from None
    return value


def _sane_datetime(value: datetime) -> datetime:
    if value.year < 2000 or value.year > 2100:
        raise ValueError(_("Must be between the years 2000 and 2100."))
    # Without an offset, a time is Surakarta's (WIB).
    return timezone.make_aware(value, WIB) if timezone.is_naive(value) else value


def Text(max_length: int, min_length: int = 0):  # noqa: N802 - a type factory
    return Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length), AfterValidator(_no_nul)
    ]


Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_no_nul), AfterValidator(_http_url)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
When = Annotated[datetime, AfterValidator(_sane_datetime)]
AgencyCode = Text(40, 1)
Ref = Annotated[
    str,
    Field(
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9-]+$",
        description="The complaint's id or its tracking number (nomor lacak), e.g. SKA-7K3M-9QX4.",
    ),
]


class Input(Schema):
    model_config = ConfigDict(extra="forbid")


# Errors ------------------------------------------------------------------------------------


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str = Field(description="Machine-readable: invalid, malformed, unauthorized, invalid_token, forbidden, "
                      "not_found, wrong_state, too_large, rate_limited.")
    message: str = Field(description="For people, in the language of Accept-Language (Indonesian by default).")
    errors: list[FieldError] | None = None


# Reference data ----------------------------------------------------------------------------


class AgencyRef(Schema):
    code: str
    name: str


class AgencyOut(Schema):
    code: str
    name: str
    abbreviation: str
    kind: str
    active: bool


class CategoryOut(Schema):
    id: int
    name: str
    usual_agency: AgencyRef | None
    active: bool


class CategoryRef(Schema):
    id: int
    name: str


class KelurahanOut(Schema):
    id: int
    name: str
    kecamatan: str


# Complaints ---------------------------------------------------------------------------------


class ComplainantOut(Schema):
    name: str
    handle: str
    platform_id: str
    contact: str


class StepOut(Schema):
    number: int
    round: int
    started_at: datetime
    due_at: datetime
    completed_at: datetime | None
    on_time: bool | None
    overdue: bool


class AnswerOut(Schema):
    id: int
    round: int
    status: AnswerStatusName
    text: str
    agency: AgencyRef | None
    created_at: datetime
    reviewed_at: datetime | None
    posted_at: datetime | None
    posted_link: str


class EventOut(Schema):
    id: int
    kind: str
    at: datetime
    actor: str | None


class ComplaintOut(Schema):
    id: int
    tracking_number: str | None
    status: StatusName
    status_label: str
    round: int
    platform: PlatformCode
    permalink: str = Field(description="Empty when the complainant's identity is hidden from you (anonymous).")
    text: str
    posted_at: datetime
    received_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    complainant: ComplainantOut | None = Field(description="null when the complaint is anonymous and you are an agency liaison.")
    category: CategoryRef | None
    agency: AgencyRef | None
    kelurahan: KelurahanOut | None
    confidential: bool
    anonymous: bool
    merged_into: str | None
    open_step: StepOut | None
    allowed_actions: list[str] = Field(description="Workflow actions you may do now: POST /complaints/{ref}/{action}.")


class ComplaintDetailOut(ComplaintOut):
    steps: list[StepOut]
    answers: list[AnswerOut]
    events: list[EventOut]


class ComplaintPage(Schema):
    results: list[ComplaintOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= (with the same filters) for the next page; null at the end.")


class ComplaintFilters(Schema):
    status: list[StatusName] | None = Field(None, description="One or more statuses (repeat the parameter).")
    platform: PlatformCode | None = None
    agency: AgencyCode | None = Field(None, description="Agency code, e.g. DISHUB.")
    category: Id | None = Field(None, description="Category id.")
    posted_after: When | None = None
    posted_before: When | None = None
    q: Text(200) | None = Field(None, description="Words in the text or the tracking number.")
    cursor: Annotated[str, Field(max_length=500, pattern=r"^[A-Za-z0-9_:.\-]*$")] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25


class ComplaintIn(Input):
    platform: PlatformCode
    text: Text(10000, 1)
    posted_at: When | None = Field(None, description="When the citizen posted it; now if left out. Without an offset: WIB.")
    permalink: Url = ""
    handle: Text(120) = ""
    name: Text(200) = ""
    complainant_id: Text(120) = ""
    contact: Text(200) = ""
    category: Id | None = None
    agency: AgencyCode | None = None
    kelurahan: Id | None = None
    confidential: bool = False
    anonymous: bool = False
    links: Annotated[list[Url], Field(max_length=10)] = Field(default_factory=list, description="Links to photos or videos.")


class RegisterIn(Input):
    ack_via: Text(100, 1) = Field(description="Where the complainant was told the tracking number, e.g. “Instagram reply”.")
    ack_link: Url = ""
    note: Text(1000) = ""


class ForwardIn(Input):
    agency: AgencyCode
    category: Id | None = None
    note: Text(1000) = ""


class AnswerIn(Input):
    text: Text(10000, 1)


class ReasonIn(Input):
    reason: Text(1000, 1)


class PostIn(Input):
    link: Annotated[Url, StringConstraints(min_length=1)]


class MergeIn(Input):
    into: Ref


class FlagsIn(Input):
    confidential: bool
    anonymous: bool


# Recaps and archives ------------------------------------------------------------------------


class ArchiveOut(Schema):
    id: int
    recap: int
    archived_at: datetime
    archived_by: str | None
    reference: str


class RecapOut(Schema):
    id: int
    period_start: datetime
    period_end: datetime
    agency: AgencyRef | None
    platform: str
    created_at: datetime
    complaint_count: int
    archive: ArchiveOut | None


class RecapDetailOut(RecapOut):
    complaints: list[str] = Field(description="Tracking numbers of the recapped complaints you may see.")


class RecapPage(Schema):
    results: list[RecapOut]
    next_cursor: str | None


class ArchivePage(Schema):
    results: list[ArchiveOut]
    next_cursor: str | None


class PageQuery(Schema):
    cursor: Annotated[str, Field(max_length=500, pattern=r"^[A-Za-z0-9_:.\-]*$")] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25


class MeOut(Schema):
    username: str
    role: str
    agency: AgencyRef | None
    token: str = Field(description="The token's name.")
