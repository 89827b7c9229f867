from sigap.triage.places import KECAMATAN, KELURAHAN, LANDMARK, STREET, Place, find_places, wilayah


def test_the_shipped_wilayah_has_five_kecamatan_and_fifty_four_kelurahan():
    assert len(wilayah()) == 54
    assert len(set(wilayah().values())) == 5


def test_kel_and_kec_prefixes_are_understood():
    assert find_places("Jalan rusak di Kel. Sumber, Kec. Banjarsari") == [
        Place(KELURAHAN, "Sumber", "Banjarsari"),
        Place(KECAMATAN, "Banjarsari", "Banjarsari"),
    ]


def test_a_name_shared_by_kecamatan_and_kelurahan_follows_its_prefix():
    assert find_places("banjir di kelurahan jebres") == [Place(KELURAHAN, "Jebres", "Jebres")]
    assert find_places("banjir di kecamatan jebres") == [Place(KECAMATAN, "Jebres", "Jebres")]
    assert find_places("saya warga Jebres") == [Place(KECAMATAN, "Jebres", "Jebres")]


def test_kelurahan_names_that_are_ordinary_words_need_context():
    assert find_places("sumber air bersih habis") == []
    assert find_places("sudah sewu kali lapor") == []
    assert find_places("anak saya sakit tipes") == []
    assert find_places("kampung baru dibangun") == []
    assert find_places("bumi makin panas") == []


def test_ordinary_word_kelurahan_are_found_with_a_cue():
    assert find_places("KEL. TIPES") == [Place(KELURAHAN, "Tipes", "Serengan")]
    assert find_places("warga di Sumber mengeluh") == [Place(KELURAHAN, "Sumber", "Banjarsari")]
    assert find_places("di Kampung Baru ada genangan") == [Place(KELURAHAN, "Kampung Baru", "Pasar Kliwon")]


def test_spelling_variants_map_to_the_official_name():
    assert find_places("rumah di pucangsawit")[0] == Place(KELURAHAN, "Pucang Sawit", "Jebres")
    assert find_places("Kedung-Lumbu")[0].name == "Kedung Lumbu"
    assert find_places("stabelan")[0].name == "Setabelan"


def test_streets_are_found_with_jl_or_jalan_and_by_distinctive_name():
    places = find_places("PJU mati di jl. slamet riyadi dan Jalan Veteran")
    assert places == [Place(STREET, "Jl. Brigjen Slamet Riyadi", None), Place(STREET, "Jl. Veteran", None)]
    assert find_places("lampu di Slamet Riyadi") == [Place(STREET, "Jl. Brigjen Slamet Riyadi", None)]


def test_a_one_word_street_name_needs_jalan_before_it():
    assert find_places("para veteran berkumpul") == []


def test_landmarks_win_over_the_kelurahan_inside_their_name():
    assert find_places("parkir liar dekat Stadion Manahan") == [Place(LANDMARK, "Stadion Manahan", "Banjarsari")]
    assert find_places("sampah di Pasar Gede") == [Place(LANDMARK, "Pasar Gede", "Jebres")]


def test_each_place_is_reported_once():
    assert len(find_places("Laweyan, Laweyan, LAWEYAN")) == 1


def test_no_text_means_no_places():
    assert find_places("") == [] and find_places(None) == []
