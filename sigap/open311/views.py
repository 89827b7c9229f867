"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2).

Services are complaint categories; service_request_id is the tracking number. Output is public:
confidential complaints never appear, texts are masked, and nothing identifies the complainant
(no name, contact, platform link, coordinates or media). POST requests needs an api_key: an
API token (`sigap token create`) whose user may receive complaints.

Updates follow mySociety's service-request-updates extension as FixMyStreet consumes it:
GET servicerequestupdates.{json,xml}?start_date=&end_date= → update_id, service_request_id,
status, updated_datetime, description, media_url (+ external_status_code: the event kind).
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from sigap.api.auth import check_body_size, token_from_request
from sigap.api.errors import ApiError
from sigap.cases import actions
from sigap.cases.models import OPEN_STATUSES, Event
from sigap.lib import tracking
from sigap.open311 import render, services
from sigap.open311.models import Submission
from sigap.ops import ratelimit
from sigap.public import timeline

WIB = ZoneInfo("Asia/Jakarta")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+07:00"  # when this endpoint's behaviour last changed
DEFAULT_WINDOW = timedelta(days=90)  # the spec's default query window
MAX_RESULTS = 1000  # the spec's default maximum
DUPLICATE_WINDOW = timedelta(minutes=10)
MAX_DESCRIPTION = 4000  # the spec's limit for description


class Open311Error(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


def endpoint(view):
    """Rate limit, jurisdiction check and the spec's error format around a view."""

    def wrapped(request, fmt="json", **kwargs):
        try:
            wait = ratelimit.hit("open311", ratelimit.client_ip(request), ratelimit.Rate.parse(settings.SIGAP_OPEN311_RATE_LIMIT))
            if wait:
                raise Open311Error(429, _("Too many requests; try again in %(n)s seconds.") % {"n": wait}, wait)
            jurisdiction = _param(request, "jurisdiction_id")
            if jurisdiction and jurisdiction != settings.SIGAP_OPEN311_JURISDICTION:
                raise Open311Error(404, _("jurisdiction_id not found."))
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return render.error(fmt, exc.status, exc.description, retry_after=exc.retry_after)
        except ApiError as exc:
            # Shared checks from the API (body size, token limits) in this format.
            return render.error(fmt, exc.status, exc.message, retry_after=exc.retry_after)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _param(request, name: str, max_length: int = 200) -> str:
    source = request.POST if request.method == "POST" else request.GET
    value = source.get(name, "")
    if "\x00" in value:
        raise Open311Error(400, _("%(name)s contains a NUL character.") % {"name": name})
    if len(value) > max_length:
        raise Open311Error(400, _("%(name)s is too long (at most %(n)s characters).") % {"name": name, "n": max_length})
    return value.strip()


def _list_param(request, name: str) -> list[str]:
    return [v.strip() for v in _param(request, name, 2000).split(",") if v.strip()]


def _date_param(request, name: str) -> datetime | None:
    raw = _param(request, name, 40)
    if not raw:
        return None
    try:
        # A "+" in a query string arrives as a space: "2026-11-03T14:00:00 07:00".
        value = parse_datetime(raw.replace(" ", "+")) if "T" in raw else None
        day = parse_date(raw) if value is None else None
    except ValueError:
        value = day = None
    if value is None and day is None:
        raise Open311Error(400, _("%(name)s must be a W3C date and time, e.g. 2026-11-03T14:00:00+07:00.") % {"name": name})
    if value is None:
        value = datetime(day.year, day.month, day.day)
    if not 2000 <= value.year <= 2100:
        raise Open311Error(400, _("%(name)s must be between the years 2000 and 2100.") % {"name": name})
    return timezone.make_aware(value, WIB) if timezone.is_naive(value) else value


def _window(request) -> tuple[datetime, datetime]:
    start, end = _date_param(request, "start_date"), _date_param(request, "end_date")
    end = end or timezone.now()
    start = start or end - DEFAULT_WINDOW
    if start > end:
        raise Open311Error(400, _("start_date must be before end_date."))
    return start, end


def _method(request, *allowed) -> None:
    if request.method not in allowed:
        raise Open311Error(405, _("Method not allowed."))


# Discovery and services ---------------------------------------------------------------------


@endpoint
def discovery(request, fmt):
    _method(request, "GET", "HEAD")
    base = f"{settings.SITE_URL}/open311/v2"
    data = {
        "changeset": CHANGESET,
        "contact": settings.SIGAP_OPEN311_CONTACT,
        "key_service": _("API keys are issued by Diskominfo SP Surakarta on request."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render.respond(fmt, data, root="discovery", item="endpoint", item_names={"endpoints": "endpoint", "formats": "format"})


@endpoint
def service_list(request, fmt):
    _method(request, "GET", "HEAD")
    return render.respond(fmt, services.services(), root="services", item="service")


@endpoint
def service_definition(request, fmt, code):
    _method(request, "GET", "HEAD")
    category = services.category_for(code)
    if category is None or not category.active:
        raise Open311Error(404, _("service_code not found."))
    # No service has extra attributes (metadata is false), so every definition's list is empty.
    data = {"service_code": category.open311.code, "attributes": []}
    return render.respond(fmt, data, root="service_definition", item="attribute", item_names={"attributes": "attribute"})


# Service requests ----------------------------------------------------------------------------


@csrf_exempt
@endpoint
def request_list(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    _method(request, "GET", "HEAD")
    complaints = services.public_complaints()
    ids = _list_param(request, "service_request_id")
    if ids:
        # The spec: a list of ids overrides every other filter.
        numbers = [n for n in (tracking.normalize(i, settings.SIGAP_TRACKING_PREFIX) for i in ids[:MAX_RESULTS]) if n]
        complaints = complaints.filter(tracking_number__in=numbers)
    else:
        codes = _list_param(request, "service_code")
        if codes:
            complaints = complaints.filter(category__open311__code__in=codes)
        statuses = _list_param(request, "status")
        if any(s not in ("open", "closed") for s in statuses):
            raise Open311Error(400, _("status must be open, closed or both (comma-separated)."))
        if statuses and len(set(statuses)) == 1:
            open_filter = {"status__in": OPEN_STATUSES}
            complaints = complaints.filter(**open_filter) if statuses[0] == "open" else complaints.exclude(**open_filter)
        start, end = _window(request)
        complaints = complaints.filter(posted_at__gte=start, posted_at__lte=end)
    rows = list(complaints.order_by("-posted_at", "-pk")[:MAX_RESULTS])
    return render.respond(fmt, services.requests(rows), root="service_requests", item="request")


@endpoint
def request_detail(request, fmt, service_request_id):
    _method(request, "GET", "HEAD")
    number = tracking.normalize(service_request_id, settings.SIGAP_TRACKING_PREFIX)
    complaint = services.public_complaints().filter(tracking_number=number).first() if number else None
    if complaint is None:
        raise Open311Error(404, _("service_request_id not found."))
    return render.respond(fmt, services.requests([complaint]), root="service_requests", item="request")


@endpoint
def token_detail(request, fmt, token):
    _method(request, "GET", "HEAD")
    submission = Submission.objects.filter(token=token, complaint__confidential=False).select_related("complaint").first()
    if submission is None:
        raise Open311Error(404, _("token not found."))
    data = [{"service_request_id": submission.complaint.tracking_number, "token": submission.token}]
    return render.respond(fmt, data, root="service_requests", item="request")


@endpoint
def update_list(request, fmt):
    _method(request, "GET", "HEAD")
    start, end = _window(request)
    events = list(
        Event.objects.filter(
            complaint__confidential=False,
            complaint__tracking_number__isnull=False,
            kind__in=timeline.PUBLIC_KINDS,
            at__gte=start,
            at__lte=end,
        ).order_by("at", "pk")[:MAX_RESULTS]
    )
    return render.respond(fmt, services.updates(events), root="service_requests_updates", item="request_update")


# POST requests -------------------------------------------------------------------------------


def _float(request, name: str, low: float, high: float) -> float | None:
    raw = _param(request, name, 40)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name}) from None
    if not low <= value <= high:
        raise Open311Error(400, _("%(name)s is out of range.") % {"name": name})
    return value


def _create(request, fmt):
    check_body_size(request, settings.SIGAP_API_MAX_BODY_BYTES)
    api_key = _param(request, "api_key")
    if not api_key:
        raise Open311Error(403, _("api_key is missing."))
    try:
        token = token_from_request(request, api_key)
    except ApiError as exc:
        if exc.status == 401:
            raise Open311Error(403, _("api_key is not valid.")) from None
        raise
    if not actions.may(token.user, "receive"):
        raise Open311Error(403, _("This api_key may not submit service requests."))

    code = _param(request, "service_code", 80)
    if not code:
        raise Open311Error(400, _("service_code is missing."))
    category = services.category_for(code)
    if category is None or not category.active:
        raise Open311Error(404, _("service_code not found."))
    lat, long = _float(request, "lat", -90, 90), _float(request, "long", -180, 180)
    address = _param(request, "address_string", 300)
    address_id = _param(request, "address_id", 100)
    if (lat is None) != (long is None):
        raise Open311Error(400, _("lat and long must be given together."))
    if lat is None and not address and not address_id:
        raise Open311Error(400, _("A location is required: lat and long, address_string or address_id."))
    description = _param(request, "description", MAX_DESCRIPTION)
    if not description:
        raise Open311Error(400, _("description is missing."))
    media_url = _param(request, "media_url", 500)
    if media_url and not media_url.lower().startswith(("http://", "https://")):
        raise Open311Error(400, _("media_url must start with http:// or https://."))
    fields = {
        "email": _param(request, "email", 100),
        "phone": _param(request, "phone", 40),
        "first_name": _param(request, "first_name", 90),
        "last_name": _param(request, "last_name", 90),
        "account_id": _param(request, "account_id", 100),
        "device_id": _param(request, "device_id", 100),
    }
    sent = [code, description, address, address_id, str(lat), str(long), fields["account_id"], fields["device_id"]]
    fingerprint = hashlib.sha256("\x1f".join(sent).encode()).hexdigest()
    earlier = (
        Submission.objects.filter(api_token=token, fingerprint=fingerprint, created_at__gte=timezone.now() - DUPLICATE_WINDOW)
        .select_related("complaint")
        .first()
    )
    if earlier is not None:
        notice = _("The same request was received a moment ago; no new complaint was created.")
        return _created(fmt, earlier, notice, status=200)

    location = address or address_id
    if lat is not None:
        location = f"{location} ({lat:.6f}, {long:.6f})".strip()
    text = f"{description}\n\nLokasi: {location}"
    try:
        with transaction.atomic():
            complaint = actions.complaint_receive(
                by=token.user,
                platform="other",
                text=text,
                posted_at=timezone.now(),
                name=f"{fields['first_name']} {fields['last_name']}".strip()[:200],
                contact="; ".join(v for v in (fields["email"], fields["phone"]) if v)[:200],
                complainant_id=(fields["account_id"] or fields["device_id"])[:120],
                category=category,
                links=[media_url] if media_url else [],
                raw={"via": "open311", "service_code": code, "lat": lat, "long": long, "address_string": address,
                     "address_id": address_id, "device_id": fields["device_id"], "api_token": token.pk},
            )
            submission = Submission.objects.create(
                complaint=complaint,
                api_token=token,
                token=secrets.token_hex(16),
                fingerprint=fingerprint,
                service_code=code,
                lat=lat,
                long=long,
                address_string=address,
                address_id=address_id,
            )
    except PermissionDenied:
        raise Open311Error(403, _("This api_key may not submit service requests.")) from None
    notice = _("Your complaint has been received. Track it with its number at %(url)s") % {
        "url": f"{settings.PUBLIC_URL}/lacak/{complaint.tracking_number}"
    }
    return _created(fmt, submission, notice, status=201)


def _created(fmt, submission: Submission, notice: str, *, status: int):
    data = [
        {
            "service_request_id": submission.complaint.tracking_number,
            "token": submission.token,
            "service_notice": notice,
            "account_id": None,
        }
    ]
    return render.respond(fmt, data, root="service_requests", item="request", status=status)


@endpoint
def not_found(request, fmt="json", rest=""):
    raise Open311Error(404, _("Not found."))
