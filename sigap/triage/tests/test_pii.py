from sigap.triage.pii import find_pii, is_plausible_nik, mask_pii


def kinds(text):
    return [match.kind for match in find_pii(text)]


def test_a_plausible_nik_is_found_and_masked_to_its_ends():
    assert mask_pii("NIK saya 3372011203850001, mohon dicek") == "NIK saya 3372********0001, mohon dicek"


def test_a_nik_written_in_groups_is_found():
    assert kinds("nik 3372 0112 0385 0001") == ["nik"]


def test_sixteen_digits_without_a_province_or_date_are_not_a_nik():
    assert not is_plausible_nik("1234567890123456")  # province 12 ok, but month 90
    assert not is_plausible_nik("9972011203850001")  # no province 99
    assert not is_plausible_nik("3372013213850001")  # month 13
    assert is_plausible_nik("3372015203850001")  # day 52 = a woman born on the 12th


def test_mobile_numbers_in_every_common_form_are_found():
    text = "hub 0812-2506-7171 atau +62 812 2506 7171 atau 6281225067171"
    assert kinds(text) == ["phone", "phone", "phone"]
    assert mask_pii("WA 081225067171") == "WA 0812****171"


def test_a_landline_with_area_code_is_found():
    assert kinds("telp (0271) 2931667") == ["phone"]


def test_an_email_keeps_its_first_letter_and_domain():
    assert mask_pii("email budi.santoso@gmail.com ya") == "email b***@gmail.com ya"


def test_vehicle_plates_are_masked_to_region_and_suffix():
    assert mask_pii("motor AD 1234 XY hilang") == "motor AD **** XY hilang"
    assert kinds("mobil B 1234 ABC dan ad 5678 ab") == ["plate", "plate"]


def test_ordinary_numbers_are_not_identifiers():
    text = "rt 03 rw 05 no 12, tahun 2021, jam 08.30-12.00, B 12 dan C, harga 150000"
    assert find_pii(text) == []


def test_empty_text_has_no_identifiers():
    assert find_pii("") == [] and mask_pii("") == "" and mask_pii(None) == ""
