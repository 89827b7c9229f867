"""Who may open what: every page and API operation, for every role, in one table.

TABLE below is the access policy, written down. The tests walk Django's URL map and the API's
OpenAPI document, so a URL or API operation that is not in the table fails the suite with the
row to add; each row is then requested as each role and must answer what the table says.

Roles (columns): anon (not logged in; the API without a token), processor, reviewer, liaison
(Dishub's liaison, on Dishub's complaints), other (DLH's liaison, on those same Dishub
complaints: the object-level limit), supervisor, admin (role admin, superuser, two-step
verification set up). The API is called with each person's token.

Results: a status code, or `login` for a redirect to /masuk/. A 302 is a redirect elsewhere (after
a POST, or a form's state message). Pages get an empty form, so a person who may
act gets a re-shown form (200) or 400; API calls carry a valid body (API_BODIES), so a person who
may act gets 200, rolled back like every request of this test.
The Django admin (/admin/…, except its login and index) is Django's own and is checked apart:
staff only, every page of every registered model.
"""

import copy
import hashlib
import json
import os
import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from sigap.api.models import ApiToken
from sigap.cases.models import Attachment, Message, Status

pytestmark = pytest.mark.django_db

ROLES = ("anon", "processor", "reviewer", "liaison", "other", "supervisor", "admin")

# fmt: off
TABLE = """
# route                                          method path                                         anon  proc  rev   liais other super admin
i18n/setlang/                                   POST   /i18n/setlang/                                302   302   302   302   302   302   302
masuk/                                          GET    /masuk/                                       200   302   302   302   302   302   302
masuk/                                          POST   /masuk/                                       200   302   302   302   302   302   302
masuk/kode/                                     GET    /masuk/kode/                                  login login login login login login login
masuk/kode/                                     POST   /masuk/kode/                                  login login login login login login login
akun/verifikasi-dua-langkah/                    GET    /akun/verifikasi-dua-langkah/                 login 200   200   200   200   200   200
akun/verifikasi-dua-langkah/                    POST   /akun/verifikasi-dua-langkah/                 login 400   400   400   400   400   400
admin/login/                                    GET    /admin/login/                                 login 403   403   403   403   403   302
admin/                                          GET    /admin/                                       302   302   302   302   302   302   200
webhooks/meta                                   GET    /webhooks/meta                                400   400   400   400   400   400   400
webhooks/meta                                   POST   /webhooks/meta                                403   403   403   403   403   403   403
webhooks/x                                      GET    /webhooks/x                                   400   400   400   400   400   400   400
webhooks/x                                      POST   /webhooks/x                                   403   403   403   403   403   403   403
webhooks/tiktok                                 POST   /webhooks/tiktok                              403   403   403   403   403   403   403
webhooks/telegram                               POST   /webhooks/telegram                            403   403   403   403   403   403   403
keluar/                                         GET    /keluar/                                      405   405   405   405   405   405   405
keluar/                                         POST   /keluar/                                      login login login login login login login
(empty)                                         GET    /                                             login 200   200   200   200   200   200
aduan/                                          GET    /aduan/                                       login 200   200   200   200   200   200
aduan/baru/                                     GET    /aduan/baru/                                  login 200   403   403   403   403   200
aduan/baru/                                     POST   /aduan/baru/                                  login 200   403   403   403   403   200
aduan/<int:pk>/                                 GET    /aduan/{forwarded}/                           login 200   200   200   403   200   200
aduan/<int:pk>/lampiran/<int:attachment_pk>/    GET    /aduan/{forwarded}/lampiran/{attachment}/     login 200   200   200   403   200   200
aduan/<int:pk>/<slug:action>/                   GET    /aduan/{forwarded}/answer/                    login 405   405   405   405   405   405
aduan/<int:pk>/<slug:action>/                   POST   /aduan/{received}/register/                   login 200   403   403   403   403   200
aduan/<int:pk>/<slug:action>/                   POST   /aduan/{registered}/forward/                  login 200   200   403   403   403   200
aduan/<int:pk>/<slug:action>/                   POST   /aduan/{forwarded}/answer/                    login 403   200   200   403   403   200
aduan/<int:pk>/<slug:action>/                   POST   /aduan/{answered}/approve/                    login 403   302   403   403   403   302
aduan/<int:pk>/<slug:action>/                   POST   /aduan/{answered}/return/                     login 403   200   403   403   403   200
aduan/<int:pk>/<slug:action>/                   POST   /aduan/{approved}/post/                       login 200   403   403   403   403   200
aduan/<int:pk>/<slug:action>/                   POST   /aduan/{forwarded}/close/                     login 200   200   403   403   403   200
aduan/<int:pk>/<slug:action>/                   POST   /aduan/{posted}/reopen/                       login 200   200   403   403   403   200
aduan/<int:pk>/<slug:action>/                   POST   /aduan/{forwarded}/merge/                     login 200   200   403   403   403   200
aduan/<int:pk>/<slug:action>/                   POST   /aduan/{forwarded}/flags/                     login 302   302   403   403   403   302
aduan/<int:pk>/<slug:action>/                   POST   /aduan/{forwarded}/nothing/                   login 404   404   404   404   404   404
terlambat/                                      GET    /terlambat/                                   login 200   200   200   200   200   200
notifikasi/                                     GET    /notifikasi/                                  login 200   200   200   200   200   200
notifikasi/                                     POST   /notifikasi/                                  login 302   302   302   302   302   302
rekap/                                          GET    /rekap/                                       login 200   200   200   200   200   200
rekap/baru/                                     GET    /rekap/baru/                                  login 200   200   403   403   403   200
rekap/baru/                                     POST   /rekap/baru/                                  login 200   200   403   403   403   200
rekap/<int:pk>/                                 GET    /rekap/{recap}/                               login 200   200   403   403   200   200
rekap/<int:pk>/arsip/                           POST   /rekap/{recap}/arsip/                         login 302   302   403   403   403   302
laporan/                                        GET    /laporan/                                     login 200   200   200   200   200   200
laporan/unduh.<str:fmt>                         GET    /laporan/unduh.csv                            login 200   200   200   200   200   200
laporan/rekap/<int:pk>/                         GET    /laporan/rekap/{recap}/                       login 200   200   403   403   200   200
laporan/rekap/<int:pk>/unduh.<str:fmt>          GET    /laporan/rekap/{recap}/unduh.csv              login 200   200   403   403   200   200
laporan/arsip/                                  GET    /laporan/arsip/                               login 200   200   200   200   200   200
laporan/arsip/<int:pk>/<str:fmt>                GET    /laporan/arsip/{archive}/csv                  login 200   200   403   403   200   200
lacak/                                          GET    /lacak/                                       200   200   200   200   200   200   200
lacak/<str:nomor>                               GET    /lacak/{tracking}                             200   200   200   200   200   200   200
lacak/<str:nomor>/nilai                         POST   /lacak/{tracking}/nilai                       400   400   400   400   400   400   400
lacak/<str:nomor>/buka-kembali                  POST   /lacak/{tracking}/buka-kembali                400   400   400   400   400   400   400
api/v1/                                         GET    /api/v1/                                      404   404   404   404   404   404   404
api/v1/openapi.json                             GET    /api/v1/openapi.json                          200   200   200   200   200   200   200
api/v1/docs                                     GET    /api/v1/docs                                  200   200   200   200   200   200   200
api/v1/me                                       GET    /api/v1/me                                    401   200   200   200   200   200   200
api/v1/complaints                               GET    /api/v1/complaints                            401   200   200   200   200   200   200
api/v1/complaints                               POST   /api/v1/complaints                            401   201   403   403   403   403   201
api/v1/complaints/<ref>                         GET    /api/v1/complaints/{forwarded_tracking}       401   200   200   200   404   200   200
api/v1/complaints/<ref>/register                POST   /api/v1/complaints/{received}/register        401   200   403   404   404   403   200
api/v1/complaints/<ref>/forward                 POST   /api/v1/complaints/{registered}/forward       401   200   200   404   404   403   200
api/v1/complaints/<ref>/answer                  POST   /api/v1/complaints/{forwarded}/answer         401   403   200   200   404   403   200
api/v1/complaints/<ref>/approve                 POST   /api/v1/complaints/{answered}/approve         401   403   200   403   404   403   200
api/v1/complaints/<ref>/return                  POST   /api/v1/complaints/{answered}/return          401   403   200   403   404   403   200
api/v1/complaints/<ref>/post                    POST   /api/v1/complaints/{approved}/post            401   200   403   403   404   403   200
api/v1/complaints/<ref>/close                   POST   /api/v1/complaints/{forwarded}/close          401   200   200   403   404   403   200
api/v1/complaints/<ref>/reopen                  POST   /api/v1/complaints/{posted}/reopen            401   200   200   403   404   403   200
api/v1/complaints/<ref>/merge                   POST   /api/v1/complaints/{forwarded}/merge          401   200   200   404   404   403   200
api/v1/complaints/<ref>/flags                   POST   /api/v1/complaints/{forwarded}/flags          401   200   200   403   404   403   200
api/v1/agencies                                 GET    /api/v1/agencies                              401   200   200   200   200   200   200
api/v1/agencies/<code>                          GET    /api/v1/agencies/DISHUB                       401   200   200   200   200   200   200
api/v1/categories                               GET    /api/v1/categories                            401   200   200   200   200   200   200
api/v1/categories/<category_id>                 GET    /api/v1/categories/1                          401   200   200   200   200   200   200
api/v1/recaps                                   GET    /api/v1/recaps                                401   200   200   200   200   200   200
api/v1/recaps/<recap_id>                        GET    /api/v1/recaps/{recap}                        401   200   200   404   404   200   200
api/v1/archives                                 GET    /api/v1/archives                              401   200   200   200   200   200   200
api/v1/archives/<archive_id>                    GET    /api/v1/archives/{archive}                    401   200   200   404   404   200   200
api/v1/^(?P<rest>.*)$                           GET    /api/v1/tidak-ada                             404   404   404   404   404   404   404
open311/v2/^discovery\\.(?P<fmt>json|xml)$       GET    /open311/v2/discovery.json                    200   200   200   200   200   200   200
open311/v2/^services\\.(?P<fmt>json|xml)$        GET    /open311/v2/services.xml                      200   200   200   200   200   200   200
open311/v2/^services/(?P<code>[-\\w]{1,80})\\.(?P<fmt>json|xml)$ GET    /open311/v2/services/penerangan-jalan-umum.json  200   200   200   200   200   200   200
open311/v2/^requests\\.(?P<fmt>json|xml)$        GET    /open311/v2/requests.json                     200   200   200   200   200   200   200
open311/v2/^requests\\.(?P<fmt>json|xml)$        POST   /open311/v2/requests.json                     403   403   403   403   403   403   403
open311/v2/^requests/(?P<service_request_id>[-\\w]{1,40})\\.(?P<fmt>json|xml)$ GET    /open311/v2/requests/{tracking}.json          200   200   200   200   200   200   200
open311/v2/^tokens/(?P<token>[-\\w]{1,40})\\.(?P<fmt>json|xml)$ GET    /open311/v2/tokens/abc.json                   404   404   404   404   404   404   404
open311/v2/^servicerequestupdates\\.(?P<fmt>json|xml)$ GET    /open311/v2/servicerequestupdates.json        200   200   200   200   200   200   200
open311/v2/^(?P<rest>.*)$                       GET    /open311/v2/tidak-ada                         404   404   404   404   404   404   404
healthz                                         GET    /healthz                                      200   200   200   200   200   200   200
metrics                                         GET    /metrics                                      401   401   401   401   401   401   200
triase/                                         GET    /triase/                                      login 200   200   403   403   403   200
triase/pesan/<int:pk>/putuskan/                 POST   /triase/pesan/{message}/putuskan/             login 302   302   403   403   403   302
triase/pesan/<int:pk>/jawab/                    POST   /triase/pesan/{message}/jawab/                login 302   302   403   403   403   302
triase/pesan/<int:pk>/tutup/                    POST   /triase/pesan/{message}/tutup/                login 302   302   403   403   403   302
triase/aduan/<int:pk>/rute/konfirmasi/          POST   /triase/aduan/{received}/rute/konfirmasi/     login 302   302   403   403   403   302
triase/aduan/<int:pk>/rute/koreksi/             POST   /triase/aduan/{received}/rute/koreksi/        login 302   302   403   403   403   302
triase/duplikat/<int:pk>/gabung/                POST   /triase/duplikat/{duplicate}/gabung/          login 302   302   403   403   403   302
triase/duplikat/<int:pk>/pisah/                 POST   /triase/duplikat/{duplicate}/pisah/           login 302   302   403   403   403   302
"""
# fmt: on

# In a path, {forwarded} and the like are filled in from `world` below: a complaint in that status
# (Dishub's from "forwarded" on), its attachment, a recap and its archive, a triage message, a
# possible duplicate, and tracking numbers.


def parse_table() -> list[dict]:
    rows = []
    for line in TABLE.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        route, method, path, *codes = line.split()
        route = "" if route == "(empty)" else route  # the home page's route is the empty string
        assert len(codes) == len(ROLES), f"TABLE row for {route} needs {len(ROLES)} results: {line}"
        rows.append({"route": route, "method": method, "path": path, "expected": dict(zip(ROLES, codes))})
    return rows


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue  # Django's admin: test_every_admin_page_is_for_staff_only
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def url_map_routes() -> set[str]:
    routes = set(_walk(get_resolver().url_patterns))
    return routes | {"admin/"}  # the admin's index stands in the table for the admin itself


def api_operations() -> set[tuple[str, str]]:
    from sigap.api.views import api

    schema = api.get_openapi_schema()
    ops = set()
    for path, item in schema["paths"].items():
        route = "api/v1/" + re.sub(r"\{(\w+)\}", r"<\1>", path.removeprefix("/api/v1/"))
        ops |= {(route, method.upper()) for method in item}
    return ops


def test_every_url_is_in_the_table():
    in_table = {row["route"] for row in parse_table()}
    missing = sorted(url_map_routes() - in_table)
    assert not missing, (
        "These URLs have no row in TABLE (sigap/tests/test_access_matrix.py). Add one per URL and "
        "method, saying what each role gets, so that nobody forgets who may open it:\n  " + "\n  ".join(missing)
    )
    stale = sorted(in_table - url_map_routes())
    assert not stale, "TABLE has rows for URLs that no longer exist; remove them:\n  " + "\n  ".join(stale)


def test_every_api_operation_is_in_the_table():
    in_table = {(row["route"], row["method"]) for row in parse_table()}
    missing = sorted(f"{method} {route}" for route, method in api_operations() - in_table)
    assert not missing, (
        "These API operations have no row in TABLE (sigap/tests/test_access_matrix.py); add one each:\n  "
        + "\n  ".join(missing)
    )


def test_each_row_s_path_is_its_route(world):
    for row in parse_table():
        path = row["path"].format(**world)
        match = resolve(path.split("?")[0])
        route = "admin/" if match.namespace == "admin" else match.route
        # ResolverMatch.route drops a regex's "^" where it joins the patterns.
        assert route == row["route"].replace("^", ""), f"{path} resolves to {route!r}, not to its row's {row['route']!r}"


# The world every row is requested in --------------------------------------------------------


@pytest.fixture
def world(settings, tmp_path, make_complaint, walk_to, processor, reviewer, liaison_dishub, liaison_dlh, supervisor, admin_user, agencies):
    from sigap.recaps import actions as recap_actions
    from sigap.triage.models import DuplicateLink

    settings.MEDIA_ROOT = tmp_path / "media"
    complaints = {}
    for status in (Status.RECEIVED, Status.REGISTERED, Status.FORWARDED, Status.ANSWERED, Status.APPROVED, Status.POSTED):
        complaint = make_complaint(text=f"Lampu PJU mati ({status}).")
        if status != Status.RECEIVED:
            complaint = walk_to(complaint, status, liaison=liaison_dishub)
        complaints[str(status)] = complaint
    forwarded = complaints["forwarded"]
    attachment = Attachment.objects.create(
        complaint=forwarded, file=ContentFile(b"GIF89a;", name="foto.gif"), name="foto.gif", content_type="image/gif",
        sha256=hashlib.sha256(b"GIF89a;").hexdigest(),
    )
    message = Message.objects.create(
        platform="instagram", external_id="m-matrix", kind="comment", author_id="1", text="Halo admin",
        posted_at=timezone.now(), triage_state="pending",
    )
    duplicate = DuplicateLink.objects.create(complaint=complaints["registered"], other=complaints["received"], score=0.9)
    now = timezone.now()
    recap = recap_actions.recap_create(by=processor, period_start=now - timedelta(days=7), period_end=now)
    archive = recap_actions.recap_archive(recap=recap, by=processor)
    return {
        **{name: c.pk for name, c in complaints.items()},
        "tracking": complaints["posted"].tracking_number,
        "forwarded_tracking": forwarded.tracking_number,
        "attachment": attachment.pk,
        "message": message.pk,
        "duplicate": duplicate.pk,
        "recap": recap.pk,
        "archive": archive.pk,
        "users": {
            "anon": None, "processor": processor, "reviewer": reviewer, "liaison": liaison_dishub,
            "other": liaison_dlh, "supervisor": supervisor, "admin": admin_user,
        },
    }


# API calls that would change something carry a valid body, so that the answer is about who may,
# not about the body (the API checks the body before the person).
API_BODIES = {
    ("POST", "api/v1/complaints"): {"platform": "instagram", "text": "Lampu PJU di Jl. Slamet Riyadi mati."},
    ("POST", "api/v1/complaints/<ref>/register"): {"ack_via": "Balasan komentar Instagram"},
    ("POST", "api/v1/complaints/<ref>/forward"): {"agency": "DLH"},
    ("POST", "api/v1/complaints/<ref>/answer"): {"text": "Sudah kami perbaiki."},
    ("POST", "api/v1/complaints/<ref>/return"): {"reason": "Mohon lengkapi lokasinya."},
    ("POST", "api/v1/complaints/<ref>/post"): {"link": "https://www.instagram.com/p/C0ffee/c/2/"},
    ("POST", "api/v1/complaints/<ref>/close"): {"reason": "Bukan aduan."},
    ("POST", "api/v1/complaints/<ref>/reopen"): {"reason": "Lampu mati lagi."},
    ("POST", "api/v1/complaints/<ref>/merge"): {"into": "{registered}"},
    ("POST", "api/v1/complaints/<ref>/flags"): {"confidential": False, "anonymous": True},
}


class _Rollback(Exception):
    pass


def outcome(client, row, path, token, world) -> tuple[str, object]:
    """What the role gets, with the database (and so the rate-limit counters) left as it was."""
    api = path.startswith("/api/")
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if api and token else {}
    result, cookies = {}, copy.deepcopy(client.cookies)
    try:
        with transaction.atomic():
            if row["method"] == "GET":
                response = client.get(path, **extra)
            elif api:
                body = json.dumps(API_BODIES.get((row["method"], row["route"]), {})).replace("{registered}", str(world["registered"]))
                response = client.generic(row["method"], path, body, content_type="application/json", **extra)
            else:
                response = client.generic(row["method"], path, "", content_type="application/x-www-form-urlencoded", **extra)
            result["response"] = response
            raise _Rollback
    except _Rollback:
        pass
    client.cookies = cookies  # e.g. logging out, rolled back, must not log out the next rows
    response = result["response"]
    if response.status_code == 302 and response["Location"].startswith("/masuk/"):
        return "login", response
    return str(response.status_code), response


INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says_on_every_url(role, world, client):
    from django.test import Client

    user = world["users"][role]
    client = Client(raise_request_exception=False)  # a crash is a 500 in the table's terms
    token = None
    if user is not None:
        client.force_login(user)
        _row, token = ApiToken.issue(user=user, name="matrix")
    wrong, seen = [], []
    for row in parse_table():
        path = row["path"].format(**world)
        got, response = outcome(client, row, path, token, world)
        seen.append(f"{row['route']}\t{row['method']}\t{row['path']}\t{got}")
        if got != row["expected"][role]:
            wrong.append(f"{row['method']} {path} ({row['route']}): table says {row['expected'][role]}, got {got}")
        if got == "200" and response.get("Content-Type", "").startswith("text/html"):
            html = b"".join(response.streaming_content) if response.streaming else response.content
            assert not INLINE.search(html.decode()), f"{path} has inline script or style, which the CSP blocks"
    if os.getenv("SIGAP_MATRIX_PRINT"):
        print(f"\n== {role}\n" + "\n".join(seen))
    assert not wrong, f"As {role}:\n  " + "\n  ".join(wrong)


# Object-level limits, spelled out ----------------------------------------------------------


def test_a_liaison_never_sees_another_agency_s_complaint(world, as_user, liaison_dlh, liaison_dishub):
    other = as_user(liaison_dlh)
    _row, token = ApiToken.issue(user=liaison_dlh, name="dlh")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    number, link = world["forwarded_tracking"], f"/aduan/{world['forwarded']}/"
    assert link not in other.get("/aduan/").text and link not in other.get(f"/aduan/?q={number}").text
    assert other.get(f"/aduan/{world['forwarded']}/").status_code == 403
    assert other.get("/api/v1/complaints?limit=100", **auth).json()["results"] == []
    assert other.get(f"/api/v1/complaints?q={number}&agency=DISHUB", **auth).json()["results"] == []
    assert other.get(f"/api/v1/complaints/{number}", **auth).status_code == 404
    assert other.get(f"/api/v1/complaints/{world['forwarded']}", **auth).status_code == 404
    # …while Dishub's own liaison sees it everywhere.
    own = as_user(liaison_dishub)
    assert link in own.get("/aduan/").text and link in own.get(f"/aduan/?q={number}").text
    _row, own_token = ApiToken.issue(user=liaison_dishub, name="dishub")
    assert own.get(f"/api/v1/complaints/{number}", HTTP_AUTHORIZATION=f"Bearer {own_token}").status_code == 200


def test_every_admin_page_is_for_staff_only(as_user, processor, supervisor, client):
    pages = []
    for model in admin.site._registry:
        meta = model._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert len(pages) > 10
    non_staff = as_user(processor)
    for path in ["/admin/", *pages]:
        for who in (client, non_staff):
            response = who.get(path)
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), path
