"""The configuration admin: SOP versions, the read-only audit trail, and every list page."""

import pytest
from django.contrib import admin
from django.urls import reverse

from sigap.cases.models import Event
from sigap.sop.models import SopStep, SopVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(as_user, admin_user):
    return as_user(admin_user)


def test_every_admin_list_and_add_page_renders(staff, make_complaint):
    make_complaint()
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert staff.get(url).status_code == 200, url
        add = staff.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        assert add.status_code in (200, 403), meta.label


def test_a_sop_version_in_use_cannot_be_changed(staff, sop, make_complaint):
    make_complaint()
    url = reverse("admin:sop_sopversion_change", args=[sop.pk])
    page = staff.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    response = staff.post(url, {"code": "X", "title": "Diubah"})
    assert response.status_code == 403
    sop.refresh_from_db()
    assert sop.title == "Penanganan Aduan Melalui Media Sosial"


def test_copy_as_new_version_then_activate(staff, sop, make_complaint):
    make_complaint()
    changelist = reverse("admin:sop_sopversion_changelist")
    staff.post(changelist, {"action": "copy_as_new_version", "_selected_action": [sop.pk]})
    new = SopVersion.objects.get(version=sop.version + 1)
    assert new.steps.count() == 6 and not new.active
    # The copy is not in use yet: its standard times can be edited.
    step = new.steps.get(number=4)
    assert staff.get(reverse("admin:sop_sopversion_change", args=[new.pk])).text.count('name="_save"') == 1
    step.amount = 120
    step.save()
    staff.post(changelist, {"action": "activate", "_selected_action": [new.pk]})
    assert SopVersion.current() == new
    assert SopStep.objects.get(version=sop, number=4).amount == 60


def test_activate_refuses_more_than_one_version(staff, sop):
    new = sop.copy_as_new_version()
    staff.post(reverse("admin:sop_sopversion_changelist"), {"action": "activate", "_selected_action": [sop.pk, new.pk]})
    assert SopVersion.current() == sop


def test_events_are_read_only(staff, make_complaint):
    make_complaint()
    event = Event.objects.first()
    assert staff.get(reverse("admin:cases_event_add")).status_code == 403
    url = reverse("admin:cases_event_change", args=[event.pk])
    page = staff.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert staff.post(url, {"kind": "forged"}).status_code == 403
    assert staff.post(reverse("admin:cases_event_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.kind == "received"


def test_complaints_cannot_be_added_or_deleted_and_their_status_is_read_only(staff, make_complaint):
    complaint = make_complaint()
    assert staff.get(reverse("admin:cases_complaint_add")).status_code == 403
    assert staff.post(reverse("admin:cases_complaint_delete", args=[complaint.pk]), {"post": "yes"}).status_code == 403
    form = staff.get(reverse("admin:cases_complaint_change", args=[complaint.pk])).context["adminform"].form
    assert "status" not in form.fields and "contact" in form.fields


def test_the_admin_is_closed_to_non_staff(as_user, processor):
    response = as_user(processor).get(reverse("admin:index"))
    assert response.status_code == 302
