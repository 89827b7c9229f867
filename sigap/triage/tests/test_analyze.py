import json

import pytest

from sigap.triage.analyze import analyze
from sigap.triage.routing import RoutingModel

EDGE_CASES = {
    "empty": "",
    "emoji only": "😡😡😡🙏",
    "urls only": "https://t.co/abc https://ulas.surakarta.go.id/lapor",
    "mixed scripts": "Jalan rusak 道路 ꦱꦸꦫꦏꦂꦠ طريق дорога 🚧",
    "javanese indonesian english": "Mas, dalane rusak parah ning ngarep omah, please fix it ASAP, matur nuwun",
    "fifty kilobytes": ("Jalan di Kel. Sumber berlubang, hubungi 081225067171. " * 1000)[:50_000],
}


@pytest.mark.parametrize("text", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_any_text_gives_a_complete_json_object(text):
    result = analyze(text)
    assert json.loads(json.dumps(result)) == result
    assert set(result) == {"length", "triage", "routing", "places", "pii"}
    assert result["triage"]["label"] in {"aduan", "pertanyaan", "sapaan", "lainnya"}
    assert 0 <= result["triage"]["confidence"] <= 1
    assert len(result["routing"]["agencies"]) <= 3 and len(result["routing"]["categories"]) <= 3


def test_a_complaint_brings_label_routing_places_and_pii_together():
    result = analyze("Lampu PJU di Jl. Slamet Riyadi, Kel. Purwosari mati. WA saya 0812-2506-7171")
    assert result["triage"]["label"] == "aduan"
    assert result["routing"]["mode"] == "keywords"
    assert result["routing"]["categories"][0]["name"] == "Penerangan Jalan Umum"
    assert result["routing"]["agencies"][0]["code"] == "DISHUB"
    assert {"kind": "jalan", "name": "Jl. Brigjen Slamet Riyadi", "kecamatan": None} in result["places"]
    assert {"kind": "kelurahan", "name": "Purwosari", "kecamatan": "Laweyan"} in result["places"]
    assert result["pii"] == ["phone"]


def test_a_long_text_is_analysed_quickly():
    import time

    start = time.perf_counter()
    analyze(EDGE_CASES["fifty kilobytes"])
    assert time.perf_counter() - start < 5  # generous: guards against runaway regexes, not a benchmark


def test_none_is_treated_as_empty_text():
    assert analyze(None)["length"] == 0


def test_a_learned_router_can_replace_the_keyword_rules():
    model = RoutingModel.train(["jalan rusak", "sampah bau"] * 3, ["DPUPR", "DLH"] * 3)
    result = analyze("jalan rusak parah", router=model)
    assert result["routing"]["mode"] == "model"
    assert result["routing"]["agencies"][0]["code"] == "DPUPR"
