"""Personal data in complaint texts is masked before the public sees them."""

import pytest

from sigap.public.privacy import mask


@pytest.mark.parametrize(
    "text, hidden, kept",
    [
        ("NIK saya 3372012345678901 belum terdaftar", "3372012345678901", "belum terdaftar"),
        ("NIK 3372 0123 4567 8901", "3372 0123 4567 8901", "NIK"),
        ("hubungi 0812-3456-7890 ya min", "0812-3456-7890", "hubungi"),
        ("WA +62 812 3456 7890", "3456", "WA"),
        ("telp (0271) 123456", "123456", "telp"),
        ("email saya budi.s@gmail.com", "budi.s@gmail.com", "email saya"),
        ("rumah di Jl. Slamet Riyadi No. 12 RT 03/RW 05", "12", "Jl. Slamet Riyadi"),
        ("mobil AD 1234 XY parkir di trotoar", "AD 1234 XY", "parkir di trotoar"),
        ("kata Pak Budi Santoso begitu", "Budi", "Pak"),
        ("nama saya Siti Aminah dari Laweyan", "Siti", "Laweyan"),
        ("cc @pemkot_solo @warga_jebres", "@warga_jebres", "cc"),
        ("lihat https://instagram.com/p/abc", "instagram.com", "lihat"),
    ],
)
def test_personal_data_is_masked_and_the_rest_kept(text, hidden, kept):
    masked = mask(text)
    assert hidden not in masked
    assert kept in masked


def test_the_complainants_own_name_and_handle_are_masked_wherever_they_appear():
    masked = mask("Saya warga_solo alias Warga Solo dari Jebres", names=["Warga Solo", "warga_solo"])
    assert "warga_solo" not in masked.lower() and "Warga Solo" not in masked
    assert "Jebres" in masked


def test_offices_after_honorifics_are_not_names():
    assert mask("sudah lapor Pak Lurah dan Bu Camat") == "sudah lapor Pak Lurah dan Bu Camat"


def test_ordinary_numbers_times_and_dates_stay():
    text = "Sudah 3 hari sejak 12-05-2026 jam 08.30, 2 motor jatuh, Rp 50.000"
    assert mask(text) == text


def test_masks_are_in_the_active_language():
    from django.utils import translation

    with translation.override("en"):
        assert mask("0812-3456-7890") == "[phone]"
