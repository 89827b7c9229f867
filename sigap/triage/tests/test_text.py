from sigap.triage.text import normalize, normalize_tokens, slang_lexicon


def test_slang_and_abbreviations_become_standard_words():
    assert normalize("gk bs, udh dicoba tp tdk jln") == "tidak bisa sudah dicoba tapi tidak jalan"


def test_stretched_letters_are_squeezed():
    assert normalize("tolongggg rusakkkk bangeeet") == "tolong rusak banget"


def test_reduplication_written_with_a_two_is_expanded():
    assert normalize("jalan2 rusak2") == "jalan jalan rusak rusak"


def test_links_mentions_and_emails_become_placeholders():
    text = "@pemkot_solo lihat https://t.co/abc atau www.contoh.id/x, kirim ke warga.solo@gmail.com"
    assert normalize(text) == "xmention lihat xurl atau xurl kirim ke xemail"


def test_phone_numbers_and_masked_identifiers_become_placeholders():
    assert normalize("WA 0812-2506-7171, NIK [NIK]") == "wa xphone nik xnik"


def test_emoji_are_kept_as_coarse_sentiment_tokens():
    assert normalize("makasih 🙏 tapi kecewa 😡 🚆") == "terima kasih xemojipos tapi kecewa xemojineg xemoji"


def test_html_entities_and_case_are_normalised():
    assert normalize("Jalan &amp; SALURAN") == "jalan saluran"


def test_harmful_lexicon_entries_are_ignored():
    lexicon = slang_lexicon()
    assert "aspal" not in lexicon  # asphalt, not "asli tetapi palsu"
    assert normalize("aspal jalan mengelupas") == "aspal jalan mengelupas"
    assert normalize("KK saya hilang") == "kk saya hilang"  # kartu keluarga, not "kakak"


def test_laughter_in_any_spelling_is_one_token():
    assert normalize("wkwkwk hahaha") == "haha haha"


def test_empty_and_none_give_no_tokens():
    assert normalize("") == ""
    assert normalize_tokens(None) == []


def test_other_scripts_survive_normalisation():
    assert "東京" in normalize("macet di 東京")


def test_school_and_registry_abbreviations_are_not_read_as_slang():
    assert normalize("SMP negeri, KK dan asap pembakaran") == "smp negeri kk dan asap pembakaran"


def test_javanese_road_words_become_indonesian():
    assert normalize("dalane rusak ning ngarep omah") == "jalan rusak ning depan rumah"
