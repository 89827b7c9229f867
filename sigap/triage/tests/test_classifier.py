import numpy as np
import pytest

from sigap.triage.classifier import LABELS, TriageModel, TriageResult, default_model, evaluate


@pytest.fixture(scope="module")
def model() -> TriageModel:
    return default_model()


@pytest.mark.parametrize(
    "text",
    [
        "Jalan di depan rumah saya berlubang besar dan belum diperbaiki, sudah ada yang jatuh. Mohon segera ditangani.",
        "min lampu pju di gang kami mati sudah seminggu, gelap banget tolong",
        "Sampah di TPS tidak diangkut 5 hari, bau sekali",
        "aplikasinya error terus, laporan saya hilang dan tidak ada respon",
    ],
)
def test_clear_complaints_are_triaged_as_aduan(model, text):
    assert model.classify(text).label == "aduan"


def test_a_schedule_question_is_a_pertanyaan(model):
    assert model.classify("min mau tanya jadwal kereta dari solo ke jakarta besok jam berapa ya").label == "pertanyaan"


@pytest.mark.parametrize("text", ["terima kasih min, sangat membantu", "halo admin", "min cek dm ya"])
def test_thanks_greetings_and_dm_pings_are_sapaan(model, text):
    assert model.classify(text).label == "sapaan"


def test_an_agency_announcement_is_lainnya(model):
    text = "Yuk sampaikan aspirasi dan pengaduan Anda melalui kanal SP4N-LAPOR! #LayananPublik https://t.co/abc"
    assert model.classify(text).label == "lainnya"


def test_scores_are_probabilities_over_the_four_labels(model):
    result = model.classify("jalan rusak")
    assert isinstance(result, TriageResult)
    assert set(result.scores) == set(LABELS)
    assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert result.confidence == result.scores[result.label]


def test_complaints_are_called_below_an_even_probability(model):
    # The threshold favours complaint recall: aduan wins at 0.30 even when another label is higher.
    probabilities = np.array([0.35 if label == "aduan" else 0.0 for label in model.classes])
    probabilities[model.classes.index("lainnya")] = 0.65
    assert model.decide(probabilities).label == "aduan"


def test_the_fast_path_gives_scikit_learns_probabilities(model):
    texts = ["jalan rusak parah", "", "😀", "terima kasih", "kapan kereta beroperasi lagi?"]
    assert np.allclose(model.probabilities(texts), model.sklearn_probabilities(texts), atol=1e-6)


def test_classify_many_matches_classify(model):
    texts = ["halo min", "jalan berlubang"]
    assert [r.label for r in model.classify_many(texts)] == [model.classify(t).label for t in texts]
    assert model.classify_many([]) == []


def test_the_shipped_model_is_small_and_loaded_once(model):
    from sigap.triage.classifier import DEFAULT_MODEL_PATH

    assert DEFAULT_MODEL_PATH.stat().st_size < 5_000_000
    assert default_model() is model


TINY = [
    ("jalan rusak berlubang tolong diperbaiki", "aduan"),
    ("lampu jalan mati sudah seminggu", "aduan"),
    ("sampah tidak diangkut bau", "aduan"),
    ("jadwal kereta besok jam berapa", "pertanyaan"),
    ("syarat membuat ktp apa saja", "pertanyaan"),
    ("kapan pendaftaran dibuka", "pertanyaan"),
    ("terima kasih admin", "sapaan"),
    ("halo selamat pagi", "sapaan"),
    ("mantap pelayanannya", "sapaan"),
    ("ikuti sosialisasi layanan publik hari ini", "lainnya"),
    ("berita peresmian taman kota", "lainnya"),
    ("promo diskon besar hari ini", "lainnya"),
]


def test_a_model_trained_saved_and_loaded_gives_the_same_answers(tmp_path):
    messages = []
    model = TriageModel.train([t for t, _ in TINY], [l for _, l in TINY], progress=messages.append)
    assert messages and messages[-1] == "done"
    path = tmp_path / "model.joblib"
    model.save(path)
    again = TriageModel.load(path)
    assert again.classify("jalan rusak").scores == model.classify("jalan rusak").scores


def test_a_label_with_a_single_example_still_trains():
    model = TriageModel.train(["jalan rusak", "halo min", "jalan berlubang", "terima kasih", "kapan buka"],
                              ["aduan", "sapaan", "aduan", "sapaan", "pertanyaan"])
    assert len(model.estimators) == 1  # no calibrated SVM without a few examples per label
    assert model.classify("jalan rusak parah").label == "aduan"


def test_training_rejects_unknown_labels():
    with pytest.raises(ValueError, match="unknown labels"):
        TriageModel.train(["a", "b"], ["aduan", "spam"])


def test_evaluate_reports_macro_f1_complaint_figures_and_sources():
    model = TriageModel.train([t for t, _ in TINY], [l for _, l in TINY])
    texts, labels = [t for t, _ in TINY], [l for _, l in TINY]
    report = evaluate(model, texts, labels, sources=["a"] * 6 + ["b"] * 6)
    assert 0 <= report["macro_f1"] <= 1
    assert set(report["per_class"]) == set(LABELS)
    assert report["aduan_recall"] is not None and report["aduan_precision"] is not None
    assert set(report["per_source"]) == {"a", "b"}
    assert report["per_source"]["b"]["aduan_recall"] is None  # source b has no complaints
