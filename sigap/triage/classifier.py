"""Triage: is an incoming message a complaint (aduan), a question, a greeting, or something else?

The model is a small ensemble over three kinds of features of the same message:
- word unigrams of the slang-normalised text (TF-IDF), which carry topic and intent words;
- character 2–5-grams of the text without slang substitution (TF-IDF), which survive typos,
  stretched letters and spellings no lexicon knows;
- a dozen hand-made cue features (question words, greetings/thanks, complaint words,
  agency-announcement words, length, '?' and hashtags), which carry prior knowledge that a
  few hundred labelled rows cannot teach.
A logistic regression and a calibrated linear SVM are averaged. A message is called `aduan`
as soon as its complaint probability reaches `ADUAN_THRESHOLD` (below 0.5): a missed complaint
costs the city more than a greeting put in the complaint queue by mistake.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.svm import LinearSVC

from sigap.triage.text import normalize, normalize_tokens

LABELS: tuple[str, ...] = ("aduan", "pertanyaan", "sapaan", "lainnya")
COMPLAINT = "aduan"
ADUAN_THRESHOLD = 0.30
# Long letters: the opening and the closing carry the request; the middle is detail.
HEAD_CHARS, TAIL_CHARS = 4000, 1000
FORMAT_VERSION = 1
# The SVM is calibrated by cross-validation: every label needs a few examples in each fold.
MIN_PER_CLASS_FOR_SVM = 3
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "data" / "triage-model.joblib"

Progress = Callable[[str], None]

QUESTION_WORDS = frozenset(
    "apa apakah kapan berapa bagaimana mengapa kenapa mana siapa bisakah bolehkah adakah tanya bertanya "
    "informasi kah prosedur syarat cara".split()
)
GREETING_WORDS = frozenset(
    "terima kasih halo hai selamat pagi siang sore malam mantap keren semoga sukses hebat bagus puas salut "
    "apresiasi cek dm sehat assalamualaikum alhamdulillah xemojipos ok oke siap baik amin aamiin".split()
)
COMPLAINT_WORDS = frozenset(
    "tidak belum rusak kecewa lambat kok parah mahal error gagal hilang mati susah sulit buruk jelek tolong "
    "mohon keluhan lapor laporan komplain bocor banjir macet kotor sampah lubang berlubang pungli kasar "
    "ditanggapi respons dibalas padahal sudah masih xemojineg katanya tersumbat genangan".split()
)
ANNOUNCEMENT_WORDS = frozenset(
    "xurl xmention mari yuk ayo sampaikan melalui kanal layanan publik pelayanan pengaduan aspirasi kegiatan "
    "sosialisasi berita selengkapnya wib kabupaten provinsi pemerintah kementerian dinas sp4n lapor".split()
)
THREAD_END_WORDS = frozenset({"?", "ya", "kah", "tidak", "admin", "kakak"})
# Second set of cues (appended, so that models trained on the first twelve still load and score):
# what the first set missed on cross-validation of the training rows: insults and political
# chatter are "other", not complaints; praise is a greeting; judgements, failures and "kok …
# tidak" are complaints even when phrased as a question.
INSULT_WORDS = frozenset(
    "tolol goblok bodoh dungu idiot bego bangsat anjing kampret bajingan sinting gila najis jahanam neraka "
    "monyet".split()
)
POLITICS_WORDS = frozenset(
    "anies luhut jokowi gubernur presiden menteri dpr kpk partai pki formula pilpres pemilu capres politik rezim "
    "buzzer kadrun cebong".split()
)
PRAISE_WORDS = frozenset(
    "mantap keren hebat bagus terbaik apresiasi diapresiasi profesional inovasi inovatif membantu bermanfaat "
    "salut bangga sukses semangat cepat responsif puas luar biasa top good nice great".split()
)
JUDGEMENT_WORDS = frozenset(
    "percuma nihil kecewa mengecewakan buruk jelek parah lambat lama lelet lemot payah sia-sia zonk ribet repot "
    "bingung susah sulit mahal kasihan kasian tega capek menyesal rugi dirugikan".split()
)
FAILURE_WORDS = frozenset("error gagal rusak hilang mati tidak belum gangguan trouble down macet bocor freeze hang".split())
OPENING_QUESTION_WORDS = frozenset("apakah kapan berapa bagaimana gimana kenapa mengapa dimana mana bisa boleh ada kah ya tanya".split())


def clip_text(text: str | None) -> str:
    """Bound the work done on one message: a 50 KB paste is classified by its head and tail."""
    text = text or ""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]


def cue_vector(text: str, tokens: Sequence[str]) -> list[float]:
    """Hand-made features on the raw text and its normalised tokens, each roughly in [0, 1]."""
    words = set(tokens)
    joined = " ".join(tokens)
    letters = max(len(text), 1)
    return [
        math.log1p(len(tokens)) / 5,
        1.0 if "?" in text else 0.0,
        min(text.count("#"), 9) / 3,
        sum(ch.isupper() for ch in text) / letters * 3,
        len(words & QUESTION_WORDS) / 2,
        len(words & GREETING_WORDS) / 2,
        len(words & COMPLAINT_WORDS) / 3,
        len(words & ANNOUNCEMENT_WORDS) / 3,
        1.0 if tokens and tokens[0] in GREETING_WORDS else 0.0,
        1.0 if tokens and tokens[-1] in THREAD_END_WORDS else 0.0,
        1.0 if "tidak bisa" in joined else 0.0,
        1.0 if len(tokens) <= 4 else 0.0,
        # the second set
        float(len(words & INSULT_WORDS)),
        float(len(words & POLITICS_WORDS)),
        len(words & PRAISE_WORDS) / 2,
        len(words & JUDGEMENT_WORDS) / 2,
        len(words & FAILURE_WORDS) / 2,
        1.0 if "kok" in words and ("tidak" in words or "belum" in words) else 0.0,
        1.0 if "sudah" in words and ("tapi" in words or "masih" in words) else 0.0,
        1.0 if tokens and tokens[0] in OPENING_QUESTION_WORDS else 0.0,
        1.0 if "xmention" in words else 0.0,
    ]


# Models trained before the second set of cues read only the first twelve.
FIRST_CUES = 12


@dataclass(frozen=True)
class Prepared:
    """One message in the three forms the features read."""

    raw: str
    words: str
    chars: str
    cues: list[float]


def prepare(text: str | None) -> Prepared:
    raw = clip_text(text)
    tokens = normalize_tokens(raw)
    return Prepared(
        raw=raw,
        words=" ".join(tokens),
        chars=normalize(raw, use_lexicon=False),
        cues=cue_vector(raw, tokens),
    )


def drop_cut_terms(*vectorizers: TfidfVectorizer) -> None:
    """Forget what differs between identical trainings and is unused for prediction: the terms
    min_df cut (`stop_words_`, a set whose pickled order changes between runs, and the rarest
    fragments of the training texts) and a cached memory address (`_stop_words_id`)."""
    for vectorizer in vectorizers:
        vectorizer.stop_words_ = None
        vectorizer.__dict__.pop("_stop_words_id", None)


class TriageFeatures(BaseEstimator, TransformerMixin):
    """Word TF-IDF + character TF-IDF + weighted cue features, stacked into one sparse matrix."""

    def __init__(self, cue_weight: float = 0.5, word_min_df: int = 1, char_min_df: int = 2):
        self.cue_weight = cue_weight
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df

    def fit(self, prepared: Sequence[Prepared], y=None) -> "TriageFeatures":
        self.words_ = TfidfVectorizer(
            ngram_range=(1, 1), sublinear_tf=True, min_df=self.word_min_df, token_pattern=r"\S+"
        )
        self.chars_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=self.char_min_df, dtype=np.float32
        )
        self.words_.fit([p.words for p in prepared])
        self.chars_.fit([p.chars for p in prepared])
        self.n_cues_ = len(prepared[0].cues) if prepared else 0
        drop_cut_terms(self.words_, self.chars_)
        return self

    @property
    def cue_count(self) -> int:
        return getattr(self, "n_cues_", FIRST_CUES)  # pickled before the count was stored

    def transform(self, prepared: Sequence[Prepared]) -> sp.csr_matrix:
        n = self.cue_count
        cues = sp.csr_matrix(np.array([p.cues[:n] for p in prepared], dtype=np.float64).reshape(len(prepared), n) * self.cue_weight)
        words = self.words_.transform([p.words for p in prepared])
        chars = self.chars_.transform([p.chars for p in prepared])
        return sp.hstack([words, chars, cues]).tocsr()


class FastTfidf:
    """A fitted TfidfVectorizer's transform (sublinear tf, idf, l2 norm) without per-call validation."""

    def __init__(self, vectorizer: TfidfVectorizer):
        if not (vectorizer.sublinear_tf and vectorizer.norm == "l2" and vectorizer.use_idf):
            raise ValueError("FastTfidf reproduces sublinear, l2-normalised TF-IDF only")
        self.analyzer = vectorizer.build_analyzer()
        self.vocabulary = vectorizer.vocabulary_
        self.idf = vectorizer.idf_.astype(np.float64)
        self.width = len(self.vocabulary)

    def row(self, document: str, offset: int = 0) -> tuple[list[int], list[float]]:
        """Column indices (shifted by `offset`) and values of one document's row."""
        counts: dict[int, int] = {}
        for term in self.analyzer(document):
            index = self.vocabulary.get(term)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        if not counts:
            return [], []
        indices = list(counts)
        values = np.array([1.0 + math.log(counts[i]) for i in indices]) * self.idf[indices]
        values /= np.sqrt(values @ values)
        return [offset + i for i in indices], values.tolist()


def stack_rows(rows: Sequence[Sequence[tuple[list[int], list[float]]]], width: int) -> sp.csr_matrix:
    """One CSR matrix from per-document lists of (indices, values) blocks."""
    data: list[float] = []
    columns: list[int] = []
    pointers = [0]
    for blocks in rows:
        for indices, values in blocks:
            columns.extend(indices)
            data.extend(values)
        pointers.append(len(columns))
    return sp.csr_matrix(
        (np.array(data, dtype=np.float64), np.array(columns, dtype=np.int64), np.array(pointers)),
        shape=(len(rows), width),
    )


class FastScorer:
    """The trained ensemble re-expressed as plain arrays, for one-message-at-a-time speed.

    scikit-learn validates its inputs on every call, which costs more than the arithmetic for a
    single tweet (≈15 ms against well under 1 ms). The weights are the fitted ones, so the
    probabilities equal `predict_proba` of the fitted estimators (checked by the tests).
    """

    def __init__(self, features: TriageFeatures, estimators: list, classes: list[str]):
        self.words = FastTfidf(features.words_)
        self.chars = FastTfidf(features.chars_)
        self.char_offset = self.words.width
        self.cue_offset = self.char_offset + self.chars.width
        self.cue_weight = features.cue_weight
        self.n_cues = features.cue_count
        self.n_classes = len(classes)
        self.n_models = len(estimators)
        blocks: list[np.ndarray] = []
        biases: list[np.ndarray] = []
        self.parts: list[_LinearPart] = []
        for estimator in estimators:
            fitted = estimator.calibrated_classifiers_ if isinstance(estimator, CalibratedClassifierCV) else [estimator]
            for member in fitted:
                linear = member.estimator if isinstance(estimator, CalibratedClassifierCV) else member
                calibrators = member.calibrators if isinstance(estimator, CalibratedClassifierCV) else None
                self.parts.append(_LinearPart.of(linear, calibrators, classes, sum(map(len, biases)), len(fitted)))
                blocks.append(linear.coef_)
                biases.append(linear.intercept_)
        self.weights = np.ascontiguousarray(np.vstack(blocks).T)  # features x stacked class columns
        self.bias = np.concatenate(biases)

    def matrix(self, prepared: Sequence[Prepared]) -> sp.csr_matrix:
        rows = []
        for item in prepared:
            values = item.cues[: self.n_cues]
            cues = (
                list(range(self.cue_offset, self.cue_offset + len(values))),
                [value * self.cue_weight for value in values],
            )
            rows.append([self.words.row(item.words), self.chars.row(item.chars, self.char_offset), cues])
        return stack_rows(rows, self.weights.shape[0])

    def probabilities(self, prepared: Sequence[Prepared]) -> np.ndarray:
        decisions = self.matrix(prepared) @ self.weights + self.bias
        total = np.zeros((len(prepared), self.n_classes))
        for part in self.parts:
            total += part.probabilities(decisions, self.n_classes) / part.share
        return total / self.n_models


@dataclass(frozen=True)
class _LinearPart:
    """One fitted linear model inside the ensemble: its columns of the stacked weights and its link."""

    start: int
    order: list[int]  # ensemble class index of each of its columns
    slopes: np.ndarray | None  # sigmoid calibration (CalibratedClassifierCV); None means softmax (LR)
    offsets: np.ndarray | None
    share: int  # members of the same estimator, whose probabilities are averaged

    @classmethod
    def of(cls, linear, calibrators, classes: list[str], start: int, share: int) -> "_LinearPart":
        order = [classes.index(label) for label in linear.classes_]
        if calibrators is None:
            return cls(start, order, None, None, share)
        slopes = np.array([calibrator.a_ for calibrator in calibrators], dtype=np.float64)
        offsets = np.array([calibrator.b_ for calibrator in calibrators], dtype=np.float64)
        return cls(start, order, slopes, offsets, share)

    def probabilities(self, decisions: np.ndarray, n_classes: int) -> np.ndarray:
        block = decisions[:, self.start : self.start + len(self.order)]
        proba = np.zeros((decisions.shape[0], n_classes))
        if self.slopes is None:
            exp = np.exp(block - block.max(axis=1, keepdims=True))
            proba[:, self.order] = exp / exp.sum(axis=1, keepdims=True)
            return proba
        # As CalibratedClassifierCV: one-vs-rest sigmoids, normalised (uniform if all are zero).
        proba[:, self.order] = 1.0 / (1.0 + np.exp(self.slopes * block + self.offsets))
        sums = proba.sum(axis=1, keepdims=True)
        return np.divide(proba, sums, out=np.full_like(proba, 1 / n_classes), where=sums != 0)


@dataclass
class TriageResult:
    label: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)


class TriageModel:
    """A trained triage classifier; build one with `train`, or get the shipped one with `default_model()`."""

    def __init__(
        self,
        features: TriageFeatures,
        estimators: list,
        classes: list[str],
        aduan_threshold: float = ADUAN_THRESHOLD,
        info: dict | None = None,
    ):
        self.features = features
        self.estimators = estimators
        self.classes = [str(label) for label in classes]  # plain str: results go straight to JSON
        self.aduan_threshold = aduan_threshold
        self.info = info or {}
        self._scorer: FastScorer | None = None

    # -- training -------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        texts: list[str],
        labels: list[str],
        progress: Progress | None = None,
        *,
        aduan_threshold: float = ADUAN_THRESHOLD,
    ) -> "TriageModel":
        say = progress or (lambda message: None)
        _check_training_set(texts, labels)
        say(f"normalising {len(texts)} texts")
        prepared = [prepare(text) for text in texts]
        y = np.array(labels)
        say("fitting word and character n-gram features")
        features = TriageFeatures().fit(prepared)
        matrix = features.transform(prepared)
        say("fitting logistic regression")
        logistic = LogisticRegression(C=10.0, max_iter=5000, class_weight="balanced").fit(matrix, y)
        estimators: list = [logistic]
        smallest = int(min(np.unique(y, return_counts=True)[1]))
        if smallest >= MIN_PER_CLASS_FOR_SVM:
            say("fitting calibrated linear SVM")
            folds = min(5, smallest)
            svm = CalibratedClassifierCV(LinearSVC(C=0.5, class_weight="balanced", random_state=0), cv=folds)
            estimators.append(svm.fit(matrix, y))
        else:
            say(f"a label has only {smallest} example(s): logistic regression alone, no calibrated SVM")
        info = {
            "format": FORMAT_VERSION,
            "n_train": len(texts),
            "label_counts": {label: int((y == label).sum()) for label in sorted(set(labels))},
        }
        say("done")
        return cls(features, estimators, list(logistic.classes_), aduan_threshold, info)

    # -- prediction -----------------------------------------------------------------------

    def probabilities(self, texts: Iterable[str | None]) -> np.ndarray:
        """Class probabilities, columns in `self.classes` order, averaged over the ensemble."""
        if len(self.classes) < 3:  # binary linear models keep one weight row; use scikit-learn's path
            return self.sklearn_probabilities(texts)
        return self.scorer.probabilities([prepare(text) for text in texts])

    def sklearn_probabilities(self, texts: Iterable[str | None]) -> np.ndarray:
        """The same probabilities through scikit-learn's own `predict_proba` (slow; for checks)."""
        matrix = self.features.transform([prepare(text) for text in texts])
        return np.mean([estimator.predict_proba(matrix) for estimator in self.estimators], axis=0)

    @property
    def scorer(self) -> FastScorer:
        if self._scorer is None:
            self._scorer = FastScorer(self.features, self.estimators, self.classes)
        return self._scorer

    def decide(self, probabilities: np.ndarray) -> TriageResult:
        scores = {label: float(probabilities[i]) for i, label in enumerate(self.classes)}
        label = self.classes[int(np.argmax(probabilities))]
        if scores.get(COMPLAINT, 0.0) >= self.aduan_threshold:
            label = COMPLAINT
        ordered = {name: round(scores.get(name, 0.0), 4) for name in LABELS if name in scores}
        return TriageResult(label=label, confidence=round(scores[label], 4), scores=ordered)

    def classify(self, text: str | None) -> TriageResult:
        return self.classify_many([text])[0]

    def classify_many(self, texts: Iterable[str | None]) -> list[TriageResult]:
        texts = list(texts)
        if not texts:
            return []
        return [self.decide(row) for row in self.probabilities(texts)]

    # -- persistence ----------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        drop_cut_terms(self.features.words_, self.features.chars_)
        payload = {
            "format": FORMAT_VERSION,
            "features": self.features,
            "estimators": self.estimators,
            "classes": self.classes,
            "aduan_threshold": self.aduan_threshold,
            "info": self.info,
        }
        joblib.dump(payload, Path(path), compress=("xz", 6))

    @classmethod
    def load(cls, path: str | Path) -> "TriageModel":
        payload = joblib.load(Path(path))
        if payload.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: triage model format {payload.get('format')}, expected {FORMAT_VERSION}")
        return cls(
            payload["features"], payload["estimators"], payload["classes"], payload["aduan_threshold"], payload["info"]
        )


def _check_training_set(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise ValueError(f"unknown labels {unknown}; expected {list(LABELS)}")
    if len(set(labels)) < 2:
        raise ValueError("training needs at least two different labels")


@lru_cache(maxsize=1)
def default_model() -> TriageModel:
    """The model shipped in `data/triage-model.joblib`, loaded once per process."""
    return TriageModel.load(DEFAULT_MODEL_PATH)


# -- evaluation ---------------------------------------------------------------------------


def _complaint_figures(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float | None]:
    actual = truth == COMPLAINT
    called = predicted == COMPLAINT
    hits = int((actual & called).sum())
    return {
        "aduan_recall": hits / int(actual.sum()) if actual.any() else None,
        "aduan_precision": hits / int(called.sum()) if called.any() else None,
    }


def _macro_f1(truth: np.ndarray, predicted: np.ndarray, labels: list[str]) -> float:
    _, _, f1, _ = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    return float(np.mean(f1))


def evaluate(model: TriageModel, texts: list[str], labels: list[str], sources: list[str] | None = None) -> dict:
    """Macro-F1, per-class precision/recall/F1, complaint recall and precision, overall and per source.

    Per source, macro-F1 averages over the labels that occur in that source's truth: a source
    with no questions (sp4n) should not score a zero for a class it cannot contain.
    """
    truth = np.array(labels)
    predicted = np.array([result.label for result in model.classify_many(texts)])
    present = [label for label in LABELS if label in set(labels) or label in set(predicted)]
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=present, zero_division=0
    )
    report = {
        "n": len(labels),
        "macro_f1": float(np.mean(f1)),
        "accuracy": float((truth == predicted).mean()) if len(labels) else 0.0,
        "per_class": {
            label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for label, p, r, f, s in zip(present, precision, recall, f1, support)
        },
        **_complaint_figures(truth, predicted),
        "per_source": {},
    }
    if sources is not None:
        origin = np.array(sources)
        for source in sorted(set(sources)):
            mask = origin == source
            own = [label for label in LABELS if label in set(truth[mask])]
            report["per_source"][source] = {
                "n": int(mask.sum()),
                "macro_f1": _macro_f1(truth[mask], predicted[mask], own),
                **_complaint_figures(truth[mask], predicted[mask]),
            }
    return report

