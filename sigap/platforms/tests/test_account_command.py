import pytest
from django.core.management import CommandError, call_command

from sigap.platforms.models import Account

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("account", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_it_adds_lists_and_removes_an_account_without_printing_the_token(monkeypatch):
    monkeypatch.setenv("IG_TOKEN", "super-secret-token")
    assert "Connected" in run("add", "instagram", "17841400000000001", "--name", "Lapor Mas Wali", "--token-env", "IG_TOKEN")
    listing = run("list")
    assert "17841400000000001" in listing and "super-secret-token" not in listing
    assert Account.objects.get().token() == "super-secret-token"
    run("remove", "instagram", "17841400000000001")
    assert not Account.objects.exists()


def test_it_reads_the_token_from_a_file(tmp_path):
    token = tmp_path / "token"
    token.write_text("from-a-file\n")
    run("add", "x", "123", "--name", "Pemkot Solo", "--token-file", str(token))
    assert Account.objects.get().token() == "from-a-file"


def test_it_refuses_a_duplicate_an_unknown_platform_and_a_missing_file(tmp_path):
    run("add", "whatsapp", "1029", "--name", "WA")
    with pytest.raises(CommandError, match="already connected"):
        run("add", "whatsapp", "1029", "--name", "WA")
    with pytest.raises(CommandError):
        run("add", "myspace", "1", "--name", "x")
    with pytest.raises(CommandError, match="does not exist"):
        run("add", "x", "2", "--name", "x", "--token-file", str(tmp_path / "missing"))
    with pytest.raises(CommandError, match="No telegram account"):
        run("remove", "telegram", "nope")
    assert Account.objects.count() == 1


def test_youtube_is_polled_by_default_and_cannot_be_set_to_push():
    run("add", "youtube", "UC123", "--name", "Pemkot Surakarta")
    assert Account.objects.get().poll_interval == 300
    with pytest.raises(CommandError, match="only be polled"):
        run("add", "youtube", "UC456", "--name", "x", "--poll", "0")
