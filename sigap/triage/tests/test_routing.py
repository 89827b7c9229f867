import json

import pytest

from sigap.triage.routing import (
    DEFAULT_RULES_PATH,
    KeywordRouter,
    RoutingModel,
    RoutingResult,
    default_keyword_router,
    top_k_accuracy,
)


@pytest.fixture(scope="module")
def router() -> KeywordRouter:
    return default_keyword_router()


def first_agency(result: RoutingResult) -> str | None:
    return result.agencies[0][0] if result.agencies else None


@pytest.mark.parametrize(
    ("text", "category", "agency"),
    [
        ("Jalan di depan rumah berlubang dan saluran mampet", "Jalan dan Drainase", "DPUPR"),
        ("lampu PJU mati di jl slamet riyadi", "Penerangan Jalan Umum", "DISHUB"),
        ("sampahnya menumpuk di TPS", "Lingkungan Hidup", "DLH"),
        ("bansos PKH saya belum cair", "Bantuan Sosial", "DINSOS"),
        ("air PDAM keruh sejak kemarin", "Pelayanan PDAM", "PDAM"),
        ("PKL menutup trotoar, mohon ditertibkan satpol pp", "Ketentraman dan Ketertiban", "SATPOLPP"),
    ],
)
def test_keyword_rules_route_common_complaints(router, text, category, agency):
    result = router.route(text)
    assert result.categories[0][0] == category
    assert first_agency(result) == agency


def test_keyword_routing_returns_at_most_three_scored_candidates(router):
    result = router.route("parkir liar di pasar gede, jukir minta 10rb, lampu jalan juga mati, sampah menumpuk")
    assert 1 <= len(result.agencies) <= 3 and 1 <= len(result.categories) <= 3
    scores = [score for _, score in result.agencies]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)


def test_a_greeting_matches_no_keyword(router):
    assert router.route("halo min, selamat pagi") == RoutingResult([], [])


def test_the_rules_file_names_every_category_and_agency_of_the_seed_data():
    rules = json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    assert "Jalan dan Drainase" in rules["categories"]
    assert rules["categories"]["Jalan dan Drainase"]["agency"] == "DPUPR"
    assert all(isinstance(words, list) and words for words in rules["agencies"].values())


def test_a_router_can_be_built_from_edited_rules():
    rules = {
        "categories": {"Kebersihan Sungai": {"agency": "DLH", "keywords": ["kali kotor"]}},
        "agencies": {"DPUPR": ["talud"]},
    }
    router = KeywordRouter.from_rules(rules)
    result = router.route("Kali kotor dan talud jebol")
    assert [name for name, _ in result.categories] == ["Kebersihan Sungai"]
    assert {code for code, _ in result.agencies} == {"DLH", "DPUPR"}


ROUTED = [
    ("jalan berlubang di depan sekolah", "DPUPR", "Jalan dan Drainase"),
    ("aspal jalan mengelupas dan berlubang", "DPUPR", "Jalan dan Drainase"),
    ("saluran air tersumbat banjir", "DPUPR", "Jalan dan Drainase"),
    ("sampah tidak diangkut bau busuk", "DLH", "Lingkungan Hidup"),
    ("tumpukan sampah di pinggir kali", "DLH", "Lingkungan Hidup"),
    ("pohon tumbang perlu dipangkas", "DLH", "Lingkungan Hidup"),
    ("bantuan pkh belum cair", "DINSOS", "Bantuan Sosial"),
    ("tidak dapat bansos padahal miskin", "DINSOS", "Bantuan Sosial"),
    ("data dtks saya hilang bantuan berhenti", "DINSOS", "Bantuan Sosial"),
    ("parkir liar di trotoar", "DISHUB", "Perparkiran"),
    ("lampu lalu lintas mati macet", "DISHUB", "Perhubungan"),
    ("jukir minta tarif parkir mahal", "DISHUB", "Perparkiran"),
]


@pytest.fixture(scope="module")
def learned() -> RoutingModel:
    texts, agencies, categories = zip(*ROUTED)
    return RoutingModel.train(list(texts * 3), list(agencies * 3), list(categories * 3))


def test_a_learned_router_ranks_the_agency_it_was_taught(learned):
    result = learned.route("sampah menumpuk di pinggir jalan bau")
    assert first_agency(result) == "DLH"
    assert len(result.agencies) == 3 and len(result.categories) == 3
    assert sum(score for _, score in result.agencies) <= 1.0001


def test_a_learned_router_survives_save_and_load(learned, tmp_path):
    path = tmp_path / "routing.joblib"
    learned.save(path)
    assert RoutingModel.load(path).route("bansos belum cair") == learned.route("bansos belum cair")


def test_a_learned_router_works_without_categories():
    model = RoutingModel.train(["jalan rusak parah", "sampah bau sekali"] * 3, ["DPUPR", "DLH"] * 3)
    result = model.route("jalan rusak")
    assert first_agency(result) == "DPUPR" and result.categories == []


def test_top_k_accuracy_counts_hits_in_the_first_places(learned):
    figures = top_k_accuracy(learned, ["jalan berlubang", "bansos belum cair"], ["DPUPR", "DINSOS"])
    assert figures == {"top1": 1.0, "top3": 1.0}


def test_a_new_desk_can_learn_from_a_handful_of_routed_complaints():
    model = RoutingModel.train(["jalan rusak", "sampah bau", "bansos belum cair"], ["DPUPR", "DLH", "DINSOS"])
    assert first_agency(model.route("bansos saya belum cair")) == "DINSOS"


def test_an_agency_score_is_half_its_own_and_half_through_the_categories_it_handles(learned):
    assert learned.category_agencies["Perparkiran"] == {"DISHUB": 1.0}
    text = "pohon tumbang menutup saluran air"  # between DLH and DPUPR
    matrix = learned.features.transform([text])
    agencies, direct = learned.agency_head.probabilities(matrix)
    categories, likely = learned.category_head.probabilities(matrix)
    for code, score in learned.route(text).agencies:
        through = sum(p * learned.category_agencies[c].get(code, 0.0) for c, p in zip(categories, likely[0]))
        assert score == pytest.approx(0.5 * direct[0][agencies.index(code)] + 0.5 * through, abs=1e-4)


def test_a_routing_model_saved_before_the_category_shares_still_routes(learned, tmp_path):
    old = RoutingModel(learned.features, learned.agency_head, learned.category_head, learned.info)
    del old.category_agencies  # as unpickled from a file written before the attribute existed
    path = tmp_path / "routing.joblib"
    old.save(path)
    assert first_agency(RoutingModel.load(path).route("bansos belum cair")) == "DINSOS"
