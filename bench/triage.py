"""Triage and routing figures on held-out data, beside plain TF-IDF baselines measured in the same run.

    .venv/bin/python bench/triage.py [--shared ../shared] [--cv-repeats 2]

Reads ../shared/data (development data that is not shipped). Every model here is trained
inside the run on the training part only; nothing is asserted, figures are printed.

Triage: `triage-labelled/triage_train.csv`, fixed stratified 70/30 split (seed 42) and repeated
stratified 5-fold cross-validation. Models: the baseline (plain TF-IDF + logistic regression), a
second baseline (plain TF-IDF + linear SVM, the stronger of the two), Sigap's recipe on all
sources, and the recipe as shipped (no Surabaya rows, plus the shipped seed messages), all
scored on the same held-out rows.
Routing: `surabaya-complaints/complaints_train.csv` rows with instansi_level = perangkat_daerah,
stratified 80/20 split (seed 42); agency top-1/top-3 of `RoutingModel` (agency head blended with
the topic head through each topic's agencies) and of both baselines. No routing model trained here
is saved: the Surabaya letters may not be shipped.
Choices (cue words, the complaint threshold, the routing blend) were made by cross-validation
inside the training part of each fixed split, never on its held-out rows. The triage CV figures
below cover all rows, including the 70 % those choices were tuned on: read them as slightly
optimistic, and the fixed split as the clean figure.
Timing: one message at a time on one core (BLAS limited to one thread), ms per message.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from sigap.triage.classifier import LABELS, TriageModel, TriageResult, default_model, evaluate  # noqa: E402
from sigap.triage.routing import KeywordRouter, RoutingModel, default_keyword_router, top_k_accuracy  # noqa: E402
from sigap.triage.training import held_out_split, read_labelled_csv  # noqa: E402

csv.field_size_limit(10_000_000)

# Surabaya's agencies that have a Surakarta counterpart, for a rough check of the keyword rules.
SURABAYA_TO_SURAKARTA = {
    "Dinas Sumber Daya Air dan Bina Marga": "DPUPR",
    "Dinas Lingkungan Hidup": "DLH",
    "Dinas Sosial": "DINSOS",
    "Dinas Perhubungan": "DISHUB",
    "Dinas Kependudukan dan Pencatatan Sipil": "DISPENDUKCAPIL",
    "Dinas Pendidikan": "DISDIK",
    "Dinas Kesehatan": "DINKES",
    "Satuan Polisi Pamong Praja": "SATPOLPP",
    "Dinas Perumahan Rakyat dan Kawasan Permukiman serta Pertanahan": "DISPERUMKIMTAN",
    "Badan Pendapatan Daerah": "BAPENDA",
    "Dinas Pemadam Kebakaran dan Penyelamatan": "DAMKAR",
    "Badan Penanggulangan Bencana Daerah": "BPBD",
    "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia": "BKPSDM",
    "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu": "DPMPTSP",
}


class BaselineTriage:
    """Plain TF-IDF on the raw text + a linear model (logistic regression or linear SVM),
    with TriageModel's interface; labels by arg-max."""

    def __init__(self, texts: list[str], labels: list[str], kind: str = "lr"):
        linear = LogisticRegression(max_iter=3000) if kind == "lr" else LinearSVC()
        self.pipeline = make_pipeline(TfidfVectorizer(), linear).fit(texts, labels)
        self.classes = [str(label) for label in self.pipeline.classes_]

    def scores(self, texts) -> np.ndarray:
        """Probabilities (LR) or a softmax of margins (SVM): only their order matters here."""
        if hasattr(self.pipeline, "predict_proba") and hasattr(self.pipeline[-1], "predict_proba"):
            return self.pipeline.predict_proba(list(texts))
        margins = self.pipeline.decision_function(list(texts))
        exp = np.exp(margins - margins.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)

    def classify_many(self, texts) -> list[TriageResult]:
        return [
            TriageResult(self.classes[int(np.argmax(row))], float(row.max()), dict(zip(self.classes, map(float, row))))
            for row in self.scores(texts)
        ]

    def classify(self, text: str) -> TriageResult:
        return self.classify_many([text])[0]

    def aduan_probability(self, texts) -> np.ndarray:
        return self.scores(texts)[:, self.classes.index("aduan")]


def aduan_probability(model, texts) -> np.ndarray:
    if isinstance(model, BaselineTriage):
        return model.aduan_probability(list(texts))
    return model.probabilities(texts)[:, model.classes.index("aduan")]


def operating_points(truth: list[str], p_aduan: np.ndarray) -> dict[str, float]:
    """Best complaint recall with precision ≥ 0.85, and best precision with recall ≥ 0.95, over all thresholds."""
    actual = np.array(truth) == "aduan"
    best_recall, best_precision = 0.0, 0.0
    for threshold in np.unique(p_aduan):
        called = p_aduan >= threshold
        hits = int((actual & called).sum())
        recall, precision = hits / actual.sum(), hits / max(called.sum(), 1)
        if precision >= 0.85:
            best_recall = max(best_recall, recall)
        if recall >= 0.95:
            best_precision = max(best_precision, precision)
    return {"recall_at_p85": best_recall, "precision_at_r95": best_precision}


# -- helpers ------------------------------------------------------------------------------


def fmt(value: float | None) -> str:
    return "  —  " if value is None else f"{value:.3f}"


def ms_per_message(classify, texts: list[str], rounds: int = 3) -> float:
    """Best of a few rounds of one-at-a-time classification, in milliseconds per message."""
    best = float("inf")
    with threadpool_limits(limits=1):
        for _ in range(rounds):
            start = time.perf_counter()
            for text in texts:
                classify(text)
            best = min(best, (time.perf_counter() - start) / len(texts) * 1000)
    return best


def print_triage_table(reports: dict[str, dict]) -> None:
    names = list(reports)
    print(f"{'':34}" + "".join(f"{name:>16}" for name in names))

    def row(title: str, pick) -> None:
        print(f"{title:34}" + "".join(f"{fmt(pick(reports[name])):>16}" for name in names))

    row("macro-F1 (all held-out rows)", lambda r: r["macro_f1"])
    row("accuracy", lambda r: r["accuracy"])
    row("aduan recall", lambda r: r["aduan_recall"])
    row("aduan precision", lambda r: r["aduan_precision"])
    for label in LABELS:
        row(f"  F1 {label}", lambda r, label=label: r["per_class"].get(label, {}).get("f1"))
    sources = sorted({source for report in reports.values() for source in report["per_source"]})
    for source in sources:
        n = next(iter(reports.values()))["per_source"][source]["n"]
        row(f"{source} (n={n}) macro-F1", lambda r, s=source: r["per_source"][s]["macro_f1"])
        row(f"{source} aduan recall", lambda r, s=source: r["per_source"][s]["aduan_recall"])
        row(f"{source} aduan precision", lambda r, s=source: r["per_source"][s]["aduan_precision"])


# -- triage -------------------------------------------------------------------------------


def shipped_recipe_training(texts, labels, sources, indices):
    """The shipped model's training set: no Surabaya rows, plus the shipped seed messages."""
    seed_texts, seed_labels, _ = read_labelled_csv(ROOT / "sigap" / "triage" / "data" / "triage-seed.csv")
    keep = [i for i in indices if sources[i] != "surabaya"]
    return [texts[i] for i in keep] + seed_texts, [labels[i] for i in keep] + seed_labels


def bench_triage_split(texts, labels, sources) -> None:
    train, test = held_out_split(labels)
    test_texts, test_labels, test_sources = [texts[i] for i in test], [labels[i] for i in test], [sources[i] for i in test]
    print(f"\n== Triage, fixed stratified split: {len(train)} train / {len(test)} held out (seed 42) ==")
    start = time.perf_counter()
    baseline = BaselineTriage([texts[i] for i in train], [labels[i] for i in train])
    baseline_fit = time.perf_counter() - start
    baseline_svm = BaselineTriage([texts[i] for i in train], [labels[i] for i in train], kind="svm")
    start = time.perf_counter()
    sigap = TriageModel.train([texts[i] for i in train], [labels[i] for i in train])
    sigap_fit = time.perf_counter() - start
    shipped = TriageModel.train(*shipped_recipe_training(texts, labels, sources, train))
    reports = {
        "baseline": evaluate(baseline, test_texts, test_labels, test_sources),
        "TF-IDF+SVM": evaluate(baseline_svm, test_texts, test_labels, test_sources),
        "sigap": evaluate(sigap, test_texts, test_labels, test_sources),
        "sigap-shipped*": evaluate(shipped, test_texts, test_labels, test_sources),
    }
    print_triage_table(reports)
    points = {
        name: operating_points(test_labels, aduan_probability(model, test_texts))
        for name, model in (("baseline", baseline), ("svm", baseline_svm), ("sigap", sigap), ("shipped", shipped))
    }
    print(f"{'aduan recall at precision ≥ 0.85':34}" + "".join(f"{fmt(p['recall_at_p85']):>16}" for p in points.values()))
    print(f"{'aduan precision at recall ≥ 0.95':34}" + "".join(f"{fmt(p['precision_at_r95']):>16}" for p in points.values()))
    print("  (the last two move the complaint threshold freely; the rows above use each model's own rule)")
    print("  * shipped recipe: trained without the Surabaya rows (licence), plus triage-seed.csv;")
    print("    its surabaya figures are therefore on a source it never saw.")
    print(f"training time: baseline {baseline_fit:.1f} s, sigap {sigap_fit:.1f} s")

    base_ms = ms_per_message(baseline.classify, test_texts)
    sigap_ms = ms_per_message(sigap.classify, test_texts)
    print(f"classification, one message at a time, one core: sigap {sigap_ms:.2f} ms/message, "
          f"baseline {base_ms:.2f} ms/message (ratio {sigap_ms / base_ms:.1f}x)")
    long_text = " ".join(test_texts) * 3
    long_ms = ms_per_message(sigap.classify, [long_text[:50_000]], rounds=3)
    print(f"a 50 KB message: {long_ms:.1f} ms")


def bench_triage_cv(texts, labels, sources, repeats: int) -> None:
    folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=7)
    names = ("baseline", "TF-IDF+SVM", "sigap")
    figures: dict[str, list[dict]] = {name: [] for name in names}
    pooled: dict[str, list] = {name: [] for name in names} | {"truth": []}
    for train, test in folds.split(texts, labels):
        test_texts, test_labels, test_sources = [texts[i] for i in test], [labels[i] for i in test], [sources[i] for i in test]
        models = {
            "baseline": BaselineTriage([texts[i] for i in train], [labels[i] for i in train]),
            "TF-IDF+SVM": BaselineTriage([texts[i] for i in train], [labels[i] for i in train], kind="svm"),
            "sigap": TriageModel.train([texts[i] for i in train], [labels[i] for i in train]),
        }
        for name, model in models.items():
            figures[name].append(evaluate(model, test_texts, test_labels, test_sources))
            pooled[name].extend(aduan_probability(model, test_texts))
        pooled["truth"].extend(test_labels)
    print(f"\n== Triage, repeated stratified 5-fold CV ({repeats} repeats, mean ± sd over folds) ==")
    picks = {
        "macro-F1": lambda r: r["macro_f1"],
        "kai121 macro-F1": lambda r: r["per_source"]["kai121"]["macro_f1"],
        "sp4n macro-F1": lambda r: r["per_source"]["sp4n"]["macro_f1"],
        "aduan recall": lambda r: r["aduan_recall"],
        "aduan precision": lambda r: r["aduan_precision"],
        "surabaya aduan recall": lambda r: r["per_source"]["surabaya"]["aduan_recall"],
    }
    print(f"{'':26}" + "".join(f"{name:>18}" for name in names))
    for title, pick in picks.items():
        cells = []
        for name in names:
            values = [pick(report) for report in figures[name] if pick(report) is not None]
            cells.append(f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}")
        print(f"{title:26}" + "".join(f"{cell:>18}" for cell in cells))
    points = {name: operating_points(pooled["truth"], np.array(pooled[name])) for name in names}
    print(f"{'recall at precision ≥ .85':26}" + "".join(f"{fmt(points[n]['recall_at_p85']):>18}" for n in names))
    print(f"{'precision at recall ≥ .95':26}" + "".join(f"{fmt(points[n]['precision_at_r95']):>18}" for n in names))
    print("  (pooled over all folds' held-out predictions, threshold moved freely)")


def bench_shipped_model(texts, labels, sources) -> None:
    """The shipped model never saw the Surabaya rows, so they are a fair check of it."""
    surabaya = [i for i, source in enumerate(sources) if source == "surabaya"]
    report = evaluate(default_model(), [texts[i] for i in surabaya], [labels[i] for i in surabaya])
    print(f"\n== Shipped model (data/triage-model.joblib) on the {len(surabaya)} labelled Surabaya letters it never saw ==")
    print(f"accuracy {fmt(report['accuracy'])}, aduan recall {fmt(report['aduan_recall'])}, "
          f"aduan precision {fmt(report['aduan_precision'])}")


# -- routing ------------------------------------------------------------------------------


def load_surabaya(path: Path) -> tuple[list[str], list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["instansi_level"] == "perangkat_daerah"]
    return [row["keluhan"] for row in rows], [row["instansi"] for row in rows], [row["topik"] for row in rows]


def baseline_topk(train_texts, train_agencies, test_texts, test_agencies) -> tuple[dict, object]:
    """Baseline: plain TF-IDF + logistic regression, as for triage."""
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=3000)).fit(train_texts, train_agencies)
    probabilities = pipeline.predict_proba(test_texts)
    classes = pipeline.classes_
    ranked = np.argsort(-probabilities, axis=1)[:, :3]
    top1 = np.mean([classes[r[0]] == truth for r, truth in zip(ranked, test_agencies)])
    top3 = np.mean([truth in classes[r] for r, truth in zip(ranked, test_agencies)])
    return {"top1": float(top1), "top3": float(top3)}, pipeline


def linear_svm_topk(train_texts, train_agencies, test_texts, test_agencies) -> dict:
    """Second baseline: plain TF-IDF + linear SVM (what 'TF-IDF + linear' often means)."""
    pipeline = make_pipeline(TfidfVectorizer(), LinearSVC()).fit(train_texts, train_agencies)
    decisions = pipeline.decision_function(test_texts)
    classes = pipeline.classes_
    ranked = np.argsort(-decisions, axis=1)[:, :3]
    top1 = np.mean([classes[r[0]] == truth for r, truth in zip(ranked, test_agencies)])
    top3 = np.mean([truth in classes[r] for r, truth in zip(ranked, test_agencies)])
    return {"top1": float(top1), "top3": float(top3)}


def bench_routing(path: Path) -> None:
    texts, agencies, topics = load_surabaya(path)
    counts = Counter(agencies)
    strata = [agency if counts[agency] >= 2 else "(rare)" for agency in agencies]
    train, test = train_test_split(range(len(texts)), test_size=0.2, random_state=42, stratify=strata)
    tr_texts, te_texts = [texts[i] for i in train], [texts[i] for i in test]
    tr_agencies, te_agencies = [agencies[i] for i in train], [agencies[i] for i in test]
    print(f"\n== Routing, Surabaya perangkat_daerah rows: {len(train)} train / {len(test)} held out (seed 42), "
          f"{len(counts)} agencies ==")
    start = time.perf_counter()
    baseline, pipeline = baseline_topk(tr_texts, tr_agencies, te_texts, te_agencies)
    baseline_fit = time.perf_counter() - start
    start = time.perf_counter()
    model = RoutingModel.train(tr_texts, tr_agencies, [topics[i] for i in train])
    model_fit = time.perf_counter() - start
    sigap = top_k_accuracy(model, te_texts, te_agencies)
    svm = linear_svm_topk(tr_texts, tr_agencies, te_texts, te_agencies)
    print(f"{'':26}{'baseline LR':>12}{'TF-IDF+SVM':>12}{'sigap':>12}")
    print(f"{'agency top-1':26}{baseline['top1']:>12.3f}{svm['top1']:>12.3f}{sigap['top1']:>12.3f}")
    print(f"{'agency top-3':26}{baseline['top3']:>12.3f}{svm['top3']:>12.3f}{sigap['top3']:>12.3f}")
    topic_hits = sum(
        result.categories[0][0] == topics[i]
        for result, i in zip(model.route_many(te_texts), test)
        if result.categories
    )
    print(f"{'topic (category) top-1':26}{'':>24}{topic_hits / len(test):>12.3f}")
    print(f"training time: baseline {baseline_fit:.1f} s, sigap {model_fit:.1f} s")
    sample = te_texts[:300]
    base_ms = ms_per_message(lambda text: pipeline.predict_proba([text]), sample, rounds=2)
    sigap_ms = ms_per_message(model.route, sample, rounds=2)
    print(f"routing one message, one core: sigap {sigap_ms:.2f} ms, baseline {base_ms:.2f} ms "
          f"(ratio {sigap_ms / base_ms:.1f}x)")
    bench_keyword_rules(te_texts, te_agencies)


def bench_keyword_rules(texts: list[str], agencies: list[str]) -> None:
    """The shipped keyword rules (Surakarta codes) on held-out letters whose Surabaya agency has a counterpart."""
    pairs = [(text, SURABAYA_TO_SURAKARTA[a]) for text, a in zip(texts, agencies) if a in SURABAYA_TO_SURAKARTA]
    router: KeywordRouter = default_keyword_router()
    figures = top_k_accuracy(router, [text for text, _ in pairs], [code for _, code in pairs])
    no_match = sum(not router.route(text).agencies for text, _ in pairs)
    print(f"keyword rules (no training) on {len(pairs)} held-out letters mapped to Surakarta codes: "
          f"top-1 {figures['top1']:.3f}, top-3 {figures['top3']:.3f}, no keyword matched {no_match / len(pairs):.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Sigap triage and routing benchmark")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--cv-repeats", type=int, default=2)
    args = parser.parse_args()
    data = args.shared / "data"
    texts, labels, sources = read_labelled_csv(data / "triage-labelled" / "triage_train.csv")
    bench_triage_split(texts, labels, sources)
    bench_triage_cv(texts, labels, sources, args.cv_repeats)
    bench_shipped_model(texts, labels, sources)
    bench_routing(data / "surabaya-complaints" / "complaints_train.csv")


if __name__ == "__main__":
    main()
