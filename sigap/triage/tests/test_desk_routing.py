"""Routing suggestions, their confirmation or correction, and possible duplicates."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sigap.agencies.models import Agency, Category, Kelurahan
from sigap.api.models import ApiToken
from sigap.cases.actions import ActionError
from sigap.cases.models import Complaint, Status
from sigap.triage import decide
from sigap.triage.models import DuplicateLink, RoutingDecision, RoutingSuggestion
from sigap.triage.tests.desk import POSTED, account, message, model_dir  # noqa: F401

pytestmark = pytest.mark.django_db

LAMP = "Lampu PJU di Jl. Slamet Riyadi, Kel. Purwosari mati sudah seminggu, gelap rawan jambret. WA 0812-2506-7171"


def opened(account, text=LAMP, minutes=5, **extra):
    m = message(account, text, **extra)
    with time_machine.travel(POSTED + timedelta(minutes=minutes), tick=False):
        decision = decide.triage_message(message=m)
    assert decision.outcome == "opened", decision.get_outcome_display()
    return decision.complaint


def test_a_new_complaint_gets_its_top_categories_agencies_places_and_personal_data_kinds(account):
    complaint = opened(account)
    suggestion = complaint.routing
    assert suggestion.mode == "keywords"
    assert suggestion.categories[0]["name"] == "Penerangan Jalan Umum" and suggestion.agencies[0]["code"] == "DISHUB"
    assert len(suggestion.categories) <= 3 and len(suggestion.agencies) <= 3
    assert {"kind": "kelurahan", "name": "Purwosari", "kecamatan": "Laweyan"} in suggestion.places
    assert suggestion.pii == ["phone"]
    # Provisional routing from the top suggestion, and the kelurahan from the text.
    assert complaint.category.name == "Penerangan Jalan Umum" and complaint.agency.code == "DISHUB"
    assert complaint.kelurahan == Kelurahan.objects.get(name="Purwosari")
    assert complaint.events.get(kind="routed").data["agency"] == "DISHUB"


def test_the_keyword_rules_are_the_ones_administrators_edit(account):
    category = Category.objects.get(name="Perparkiran")
    category.keywords = "odong odong"
    category.save()
    complaint = opened(account, "Odong odong lewat trotoar Manahan tiap sore bikin macet, mohon ditertibkan")
    assert complaint.routing.categories[0]["name"] == "Perparkiran"


def test_an_agency_renamed_or_a_category_retired_is_seen_by_the_next_suggestion(account):
    opened(account)  # the categories and agencies are now remembered in this process
    dishub = Agency.objects.get(code="DISHUB")
    dishub.name = "Dinas Perhubungan Kota Surakarta (baru)"
    dishub.save()
    retired = Category.objects.get(name="Penerangan Jalan Umum")
    retired.active = False
    retired.save()
    suggestion = opened(account, LAMP + " lagi", minutes=6).routing
    assert "Penerangan Jalan Umum" not in [c["name"] for c in suggestion.categories]
    assert any(a["name"] == dishub.name for a in suggestion.agencies)


def test_what_a_person_already_chose_is_kept(make_complaint):
    kerten, roads = Kelurahan.objects.get(name="Kerten"), Category.objects.get(name="Jalan dan Drainase")
    complaint = make_complaint(text=LAMP, kelurahan=kerten, category=roads)
    decide.route_complaint(complaint)
    complaint.refresh_from_db()
    assert (complaint.kelurahan, complaint.category, complaint.agency.code) == (kerten, roads, "DPUPR")
    assert complaint.routing.categories[0]["name"] == "Penerangan Jalan Umum"  # suggested all the same


def test_confirming_the_suggestion_is_one_click_and_recorded(account, processor):
    complaint = opened(account)
    with time_machine.travel(POSTED + timedelta(minutes=20), tick=False):
        decision = decide.routing_confirm(complaint=complaint, by=processor)
    assert (decision.kind, decision.by, decision.at) == ("confirmed", processor, POSTED + timedelta(minutes=20))
    assert decision.agency.code == "DISHUB" and decision.suggested_agency.code == "DISHUB"
    event = complaint.events.get(kind="routing_confirmed")
    assert event.actor == processor and event.data["changes"] == {}


def test_correcting_records_what_was_suggested_and_what_was_chosen(account, reviewer):
    complaint = opened(account)
    dpupr = Agency.objects.get(code="DPUPR")
    roads = Category.objects.get(name="Jalan dan Drainase")
    decision = decide.routing_correct(complaint=complaint, by=reviewer, category=roads)
    complaint.refresh_from_db()
    assert decision.kind == "corrected"
    assert (decision.suggested_category.name, decision.suggested_agency.code) == ("Penerangan Jalan Umum", "DISHUB")
    assert (decision.category, decision.agency) == (roads, dpupr)  # the category brought its usual agency
    assert (complaint.category, complaint.agency) == (roads, dpupr)
    changes = complaint.events.get(kind="routing_corrected").data["changes"]
    assert changes["agency"][1] == str(dpupr)


def test_an_agency_alone_keeps_the_category(account, reviewer):
    complaint = opened(account)
    pln = Agency.objects.get(code="PLN")
    decide.routing_correct(complaint=complaint, by=reviewer, agency=pln)
    complaint.refresh_from_db()
    assert complaint.category.name == "Penerangan Jalan Umum" and complaint.agency == pln


def test_choosing_nothing_is_refused(account, reviewer):
    with pytest.raises(ActionError):
        decide.routing_correct(complaint=opened(account), by=reviewer)


def test_a_liaison_cannot_route(account, liaison_dishub):
    with pytest.raises(PermissionDenied):
        decide.routing_confirm(complaint=opened(account), by=liaison_dishub)


def test_routing_is_not_changed_here_once_forwarded(account, processor, reviewer, walk_to):
    complaint = walk_to(opened(account), Status.FORWARDED)
    with pytest.raises(ActionError):
        decide.routing_confirm(complaint=complaint, by=processor)
    assert not RoutingDecision.objects.exists()


def test_a_complaint_without_any_keyword_has_nothing_to_confirm(account, processor):
    complaint = opened(account, "Tolong min, pelayanan di kantor itu parah sekali, sudah tiga kali saya bolak-balik")
    assert complaint.routing.categories == [] and complaint.category is None
    with pytest.raises(ActionError):
        decide.routing_confirm(complaint=complaint, by=processor)


def test_the_trained_routing_model_is_used_once_written(account, model_dir):
    from sigap.triage.routing import RoutingModel
    from sigap.triage.tests.test_routing import ROUTED

    texts, agencies, categories = zip(*(ROUTED * 3))
    model_dir.mkdir(parents=True)
    RoutingModel.train(list(texts), list(agencies), list(categories)).save(model_dir / decide.ROUTING_FILE)
    complaint = opened(account, "Sampah di TPS Kel. Jebres belum diangkut 4 hari, baunya sampai rumah warga")
    assert complaint.routing.mode == "model" and complaint.routing.agencies[0]["code"] == "DLH"


# Duplicates -------------------------------------------------------------------------------


def test_the_same_problem_reported_by_someone_else_is_linked(account):
    first = opened(account, "Lampu PJU di Jl. Slamet Riyadi depan Sriwedari mati, malam gelap sekali", author="a1", handle="ani")
    second = opened(
        account, "PJU Jl. Slamet Riyadi depan Sriwedari mati sejak kemarin, gelap sekali kalau malam", author="a2",
        handle="budi", minutes=30,
    )
    link = DuplicateLink.objects.get()
    assert (link.complaint, link.other, link.state, link.same_person) == (second, first, "open", False)
    assert 0 < link.score <= 1


def test_the_same_problem_in_another_place_is_not_linked(account):
    opened(account, "Lampu PJU di Jl. Slamet Riyadi depan Sriwedari mati, malam gelap sekali", author="a1")
    opened(account, "Lampu PJU di Jl. Veteran depan Gladag mati, malam gelap sekali", author="a2", minutes=30)
    assert not DuplicateLink.objects.exists()


def test_the_same_person_on_another_platform_is_linked(account):
    opened(account, "Air PDAM di Kel. Kratonan mati 3 hari, tidak ada pemberitahuan", author="a1", handle="sri_solo")
    other = opened(
        account, "Min air PDAM Kratonan belum ngalir juga dari Senin", author="wa-628122", handle="sri_solo",
        platform="whatsapp", kind="dm", minutes=40,
    )
    link = DuplicateLink.objects.get(complaint=other)
    assert link.same_person


def test_unrelated_complaints_are_not_linked(account):
    opened(account, "Lampu PJU di Jl. Slamet Riyadi depan Sriwedari mati, malam gelap sekali", author="a1")
    opened(account, "Parkir liar di depan Pasar Gede bikin macet tiap sore, mohon ditertibkan", author="a2", minutes=30)
    assert not DuplicateLink.objects.exists()


@pytest.fixture
def link(account):
    opened(account, "Lampu PJU di Jl. Slamet Riyadi depan Sriwedari mati, malam gelap sekali", author="a1")
    opened(account, "PJU Jl. Slamet Riyadi depan Sriwedari mati sejak kemarin, gelap sekali kalau malam", author="a2", minutes=30)
    return DuplicateLink.objects.get()


def test_a_person_merges_a_duplicate_into_the_earlier_complaint(link, processor):
    decide.duplicate_merge(link=link, by=processor)
    link.refresh_from_db()
    link.complaint.refresh_from_db()
    assert (link.state, link.decided_by) == ("merged", processor) and link.decided_at
    assert link.complaint.status == Status.MERGED and link.complaint.merged_into == link.other
    with pytest.raises(ActionError):
        decide.duplicate_keep_apart(link=link, by=processor)


def test_a_person_keeps_two_complaints_apart(link, reviewer):
    decide.duplicate_keep_apart(link=link, by=reviewer)
    link.refresh_from_db()
    assert (link.state, link.decided_by) == ("kept_apart", reviewer)
    assert link.complaint.status == Status.RECEIVED and link.other.status == Status.RECEIVED
    assert link.complaint.events.get(kind="duplicate_kept_apart").actor == reviewer


def test_a_liaison_may_not_merge_or_keep_apart(link, liaison_dishub):
    with pytest.raises(PermissionDenied):
        decide.duplicate_merge(link=link, by=liaison_dishub)
    with pytest.raises(PermissionDenied):
        decide.duplicate_keep_apart(link=link, by=liaison_dishub)
    assert RoutingSuggestion.objects.count() == 2 and DuplicateLink.objects.get().state == "open"


def test_a_complaint_entered_by_hand_gets_a_suggestion_but_keeps_what_the_person_chose(make_complaint, processor):
    complaint = make_complaint(text=LAMP)
    complaint.refresh_from_db()
    suggestion = complaint.routing
    assert suggestion.categories[0]["name"] == "Penerangan Jalan Umum" and suggestion.agencies[0]["code"] == "DISHUB"
    assert {"kind": "kelurahan", "name": "Purwosari", "kecamatan": "Laweyan"} in suggestion.places
    assert suggestion.pii == ["phone"]
    # Left empty in the form, and still empty: a person entered it, a person confirms.
    assert (complaint.category, complaint.agency, complaint.kelurahan) == (None, None, None)
    assert not complaint.events.filter(kind="routed").exists()
    decide.routing_confirm(complaint=complaint, by=processor)
    complaint.refresh_from_db()
    assert complaint.category.name == "Penerangan Jalan Umum" and complaint.agency.code == "DISHUB"
    assert RoutingDecision.objects.get().kind == RoutingDecision.Kind.CONFIRMED


def test_routing_a_complaint_twice_keeps_the_first_suggestion(make_complaint):
    complaint = make_complaint(text=LAMP)
    first = complaint.routing
    assert decide.route_complaint(complaint) == first and RoutingSuggestion.objects.count() == 1


def test_a_complaint_from_the_staff_form_is_routed(as_user, processor):
    response = as_user(processor).post(
        reverse("receive"),
        {
            "platform": "instagram",
            "permalink": "https://www.instagram.com/p/C0ffee/",
            "handle": "@warga_solo",
            "text": "Sampah di TPS dekat Kel. Kerten tidak diangkut sudah 4 hari, baunya menyengat.",
            "posted_at": timezone.localtime(timezone.now() - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
            "links": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    complaint = Complaint.objects.get()
    assert complaint.routing.agencies[0]["code"] == "DLH"
    page = as_user(processor).get(response.url).content.decode()
    assert 'id="h-routing"' in page and "DLH" in page


def test_a_complaint_from_the_api_is_routed(processor):
    token = ApiToken.issue(user=processor, name="test")[1]
    body = {"platform": "x", "text": "Jalan berlubang di Jl. Slamet Riyadi depan Kel. Purwosari, bahaya untuk motor."}
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        "/api/v1/complaints", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    suggestion = Complaint.objects.get().routing
    assert suggestion.agencies[0]["code"] == "DPUPR"
    assert {"kind": "kelurahan", "name": "Purwosari", "kecamatan": "Laweyan"} in suggestion.places
