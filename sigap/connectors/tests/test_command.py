"""`sigap connector add|list|remove|test`: secrets named, never printed; bad input refused plainly."""

from io import StringIO

import httpx
import pytest
from django.core.management import CommandError, call_command

from sigap.cases.models import Status
from sigap.connectors.models import Connector, ForwardLink
from sigap.connectors.tests.conftest import django_handler

pytestmark = pytest.mark.django_db

KEY_VALUE = "sgp_do-not-print-me"


def run(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("connector", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.fixture
def key_env(monkeypatch):
    monkeypatch.setenv("ULAS_API_KEY", KEY_VALUE)


def test_it_adds_lists_and_tests_an_open311_connector_without_printing_the_key(key_env, transport, agencies):
    transport.use(django_handler)
    out = run(
        "add", "ULAS", "--kind", "open311", "--url", "http://ulas.test/open311/v2", "--api-key-env", "ULAS_API_KEY",
        "--agency", "dishub", "--service-code", "penerangan-jalan-umum=PJU", "--poll", "60", "--auto-approve",
    )
    connector = Connector.objects.get(name="ULAS")
    assert connector.secret_env == "ULAS_API_KEY" and connector.service_codes == {"penerangan-jalan-umum": "PJU"}
    assert list(connector.agencies.values_list("code", flat=True)) == ["DISHUB"] and connector.auto_approve
    out += run("list")
    assert "ULAS" in out and "env ULAS_API_KEY" in out and "agencies DISHUB" in out
    out += run("test", "ULAS")
    assert "services.json:" in out and "PJU" in out  # our own server does not offer PJU: reported
    assert KEY_VALUE not in out


def test_it_adds_and_pings_a_webhook(monkeypatch, transport):
    monkeypatch.setenv("HOOK_SECRET", "hook-secret-value")
    out = run(
        "add", "Dasbor", "--kind", "webhook", "--url", "https://dasbor.test/hook", "--secret-env", "HOOK_SECRET",
        "--events", "forwarded,closed",
    )
    out += run("test", "Dasbor")
    assert "HTTP 200" in out and "hook-secret-value" not in out
    assert transport.requests[0].headers["X-Sigap-Event"] == "ping"


def test_a_failing_test_says_why(monkeypatch, transport):
    monkeypatch.setenv("HOOK_SECRET", "x")
    run("add", "Dasbor", "--kind", "webhook", "--url", "https://dasbor.test/hook", "--secret-env", "HOOK_SECRET")
    transport.use(lambda r: httpx.Response(404))
    with pytest.raises(CommandError, match="404"):
        run("test", "Dasbor")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--kind", "open311", "--url", "ftp://ulas.test/x"], "url"),
        (["--kind", "open311", "--url", "not a url"], "url"),
        (["--kind", "open311"], "URL"),
        (["--kind", "webhook", "--url", "https://a.test/h"], "secret|rahasia"),
        (["--kind", "open311", "--url", "https://a.test", "--agency", "NOPE"], "NOPE"),
        (["--kind", "open311", "--url", "https://a.test", "--service-code", "a b=c"], "OURS=THEIRS"),
        (["--kind", "open311", "--url", "https://a.test", "--secret-file", "/nonexistent/key"], "does not exist"),
        (["--kind", "open311", "--url", "https://a.test", "--poll", "1"], "--poll"),
        (["--kind", "open311", "--url", "https://a.test", "--timeout", "999"], "timeout"),
        (["--kind", "open311", "--url", "https://a.test/" + "x" * 600], "url"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(args, words):
    with pytest.raises(CommandError, match=words):
        run("add", "ULAS", *args)
    assert not Connector.objects.exists()


def test_a_duplicate_or_empty_name_is_refused(key_env):
    run("add", "ULAS", "--kind", "builtin")
    with pytest.raises(CommandError, match="already exists"):
        run("add", "ULAS", "--kind", "builtin")
    with pytest.raises(CommandError, match="1 to 80"):
        run("add", "   ", "--kind", "builtin")


def test_a_connector_with_forwarded_complaints_is_switched_off_not_removed(key_env, make_complaint, walk_to, category):
    run("add", "ULAS", "--kind", "open311", "--url", "http://ulas.test/open311/v2", "--api-key-env", "ULAS_API_KEY")
    walk_to(make_complaint(category=category), Status.FORWARDED)
    assert "switched off" in run("remove", "ULAS")
    assert Connector.objects.get().active is False and ForwardLink.objects.count() == 1
    run("add", "Spare", "--kind", "builtin")
    assert "Removed" in run("remove", "Spare")
    with pytest.raises(CommandError, match="No connector"):
        run("remove", "Spare")


def test_an_empty_list_says_the_built_in_handling_applies():
    assert "built-in" in run("list")


def test_the_deploy_check_names_an_unreadable_secret_without_showing_it(monkeypatch):
    from sigap.connectors.checks import connector_secrets

    Connector.objects.create(name="ULAS", kind="open311", url="https://a.test", secret_env="UNSET_ULAS_KEY")
    monkeypatch.delenv("UNSET_ULAS_KEY", raising=False)
    problems = connector_secrets(None)
    assert [p.id for p in problems] == ["sigap.W101"] and "UNSET_ULAS_KEY" in problems[0].msg
