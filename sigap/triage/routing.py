"""Routing: which complaint categories and which agencies (OPD) should handle a message.

Two routers answer the same question with the same `RoutingResult`:
- `KeywordRouter`: editable keyword rules (`data/routing-keywords.json`, category name →
  keywords with its usual agency, and agency code → keywords). A new deployment has no routed
  history to learn from, so it starts here; the database side loads the same JSON into
  admin-editable rows and can build a router with `KeywordRouter.from_rules`.
- `RoutingModel`: a linear model learned from (text, agency code) and (text, category) pairs
  once the desk has routed enough complaints.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from sigap.triage.classifier import FastTfidf, clip_text, drop_cut_terms, stack_rows
from sigap.triage.text import normalize

TOP_K = 3
FORMAT_VERSION = 1
DEFAULT_RULES_PATH = Path(__file__).resolve().parent / "data" / "routing-keywords.json"
# A decision value 0.1 apart is about e times more likely: spreads linear-SVM margins into
# scores that sum to one without a calibration set (rare agencies have one or two examples).
SOFTMAX_TEMPERATURE = 0.1
SMALL_TRAINING_SET = 200
# Share of an agency's score that comes through the categories: P(category | text) times the
# share of that category's complaints the agency handled. Categories are finer than agencies and
# each names its agency almost always, so they add evidence the agency head alone misses
# (chosen by validation inside the benchmark's training part: top-1 +0.5 point).
HIERARCHY_WEIGHT = 0.5
# Indonesian clitics and suffixes that should not stop a keyword from matching ("sampahnya").
_SUFFIXES = ("nya", "lah", "kah")

Progress = Callable[[str], None]


@dataclass
class RoutingResult:
    categories: list[tuple[str, float]] = field(default_factory=list)
    agencies: list[tuple[str, float]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "categories": [{"name": name, "score": round(score, 4)} for name, score in self.categories],
            "agencies": [{"code": code, "score": round(score, 4)} for code, score in self.agencies],
        }


def _top(scores: Mapping[str, float], k: int = TOP_K) -> list[tuple[str, float]]:
    positive = [(name, score) for name, score in scores.items() if score > 0]
    ranked = sorted(positive, key=lambda item: (-item[1], item[0]))
    return [(name, round(float(score), 4)) for name, score in ranked[:k]]


# -- keyword rules ------------------------------------------------------------------------


def _strip_suffix(token: str) -> str:
    for suffix in _SUFFIXES:
        if len(token) > len(suffix) + 3 and token.endswith(suffix):
            return token[: -len(suffix)]
    return token


def _searchable(text: str) -> str:
    """Normalised tokens, each also in its suffix-stripped form, padded with spaces for phrase search."""
    tokens = normalize(clip_text(text)).split()
    return " " + " ".join(_strip_suffix(token) for token in tokens) + " "


@dataclass(frozen=True)
class _Keyword:
    phrase: str  # normalised, space-padded
    weight: float


def _compile(keywords: Iterable[str]) -> list[_Keyword]:
    """Normalise each keyword the way messages are normalised; phrases weigh by their length."""
    compiled: dict[str, _Keyword] = {}
    for keyword in keywords:
        words = [_strip_suffix(token) for token in normalize(keyword).split()]
        if words:
            phrase = " " + " ".join(words) + " "
            compiled[phrase] = _Keyword(phrase, float(len(words)))
    return list(compiled.values())


class KeywordRouter:
    """Scores categories and agencies by the keywords a message contains.

    An agency collects its own keyword hits plus half the hits of the categories it usually
    handles, so a message about "jalan berlubang" reaches DPUPR through "Jalan dan Drainase".
    Scores are shares of all hits (they sum to at most 1 over the candidates).
    """

    CATEGORY_TO_AGENCY_WEIGHT = 0.5

    def __init__(
        self,
        category_keywords: Mapping[str, Iterable[str]],
        agency_keywords: Mapping[str, Iterable[str]],
        category_agency: Mapping[str, str] | None = None,
    ):
        self.category_keywords = {name: _compile(words) for name, words in category_keywords.items()}
        self.agency_keywords = {code: _compile(words) for code, words in agency_keywords.items()}
        self.category_agency = dict(category_agency or {})

    @classmethod
    def from_rules(cls, rules: Mapping) -> "KeywordRouter":
        """Build from the JSON structure of `data/routing-keywords.json`."""
        categories = rules.get("categories", {})
        return cls(
            {name: entry.get("keywords", []) for name, entry in categories.items()},
            rules.get("agencies", {}),
            {name: entry["agency"] for name, entry in categories.items() if entry.get("agency")},
        )

    @classmethod
    def from_file(cls, path: str | Path = DEFAULT_RULES_PATH) -> "KeywordRouter":
        return cls.from_rules(json.loads(Path(path).read_text(encoding="utf-8")))

    @staticmethod
    def _hits(searchable: str, keywords: Sequence[_Keyword]) -> float:
        return sum(keyword.weight for keyword in keywords if keyword.phrase in searchable)

    def route(self, text: str | None) -> RoutingResult:
        searchable = _searchable(text or "")
        category_hits = {name: self._hits(searchable, words) for name, words in self.category_keywords.items()}
        agency_hits: dict[str, float] = defaultdict(float)
        for code, words in self.agency_keywords.items():
            agency_hits[code] += self._hits(searchable, words)
        for name, hits in category_hits.items():
            code = self.category_agency.get(name)
            if code and hits:
                agency_hits[code] += self.CATEGORY_TO_AGENCY_WEIGHT * hits
        return RoutingResult(categories=_top(_shares(category_hits)), agencies=_top(_shares(agency_hits)))


def _shares(hits: Mapping[str, float]) -> dict[str, float]:
    total = sum(hits.values())
    return {name: value / total for name, value in hits.items()} if total else {}


@lru_cache(maxsize=1)
def default_keyword_router() -> KeywordRouter:
    return KeywordRouter.from_file(DEFAULT_RULES_PATH)


# -- learned model ------------------------------------------------------------------------


def _softmax(values: np.ndarray) -> np.ndarray:
    scaled = (values - values.max(axis=1, keepdims=True)) / SOFTMAX_TEMPERATURE
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


class RoutingFeatures:
    """Word 1–2-grams of the normalised text and character 2–5-grams of the un-slanged text."""

    def fit(self, texts: Sequence[str]) -> "RoutingFeatures":
        # Rare terms are noise in thousands of letters but all there is in a new desk's first few.
        small = len(texts) < SMALL_TRAINING_SET
        self.words = TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, min_df=1 if small else 2, token_pattern=r"\S+"
        )
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1 if small else 3, dtype=np.float32
        )
        clipped = [clip_text(text) for text in texts]
        self.words.fit([normalize(text) for text in clipped])
        self.chars.fit([normalize(text, use_lexicon=False) for text in clipped])
        drop_cut_terms(self.words, self.chars)
        return self

    def transform(self, texts: Iterable[str | None]) -> sp.csr_matrix:
        if getattr(self, "_fast", None) is None:
            # Built on first use, not pickled state: scikit-learn's per-call checks cost more
            # than the arithmetic for one message.
            self._fast = (FastTfidf(self.words), FastTfidf(self.chars))
        words, chars = self._fast
        rows = []
        for text in texts:
            clipped = clip_text(text)
            rows.append([words.row(normalize(clipped)), chars.row(normalize(clipped, use_lexicon=False), words.width)])
        return stack_rows(rows, words.width + chars.width)

    def __getstate__(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if key != "_fast"}


class _Head:
    """One linear classifier over the shared features (agencies, or categories)."""

    def __init__(self, matrix: sp.csr_matrix, targets: Sequence[str], balanced: bool = False):
        classes = sorted(set(targets))
        self.constant = classes[0] if len(classes) == 1 else None
        weights = "balanced" if balanced else None
        self.svm = None
        if not self.constant:
            self.svm = LinearSVC(C=0.5, class_weight=weights, random_state=0).fit(matrix, list(targets))

    def probabilities(self, matrix: sp.csr_matrix) -> tuple[list[str], np.ndarray]:
        """Class names and one row of scores per message (summing to one)."""
        if self.constant is not None:
            return [self.constant], np.ones((matrix.shape[0], 1))
        decision = np.asarray(matrix @ self.svm.coef_.T) + self.svm.intercept_
        if decision.shape[1] == 1:  # two classes: one margin, for the second class
            decision = np.column_stack([-decision[:, 0], decision[:, 0]])
        return [str(name) for name in self.svm.classes_], _softmax(decision)

    def scores(self, matrix: sp.csr_matrix) -> list[dict[str, float]]:
        names, probabilities = self.probabilities(matrix)
        return [dict(zip(names, row)) for row in probabilities]


class RoutingModel:
    """Learned router: `RoutingModel.train(texts, agencies, categories)` then `.route(text)`."""

    def __init__(
        self,
        features: RoutingFeatures,
        agency_head: _Head,
        category_head: _Head | None,
        info: dict,
        category_agencies: dict[str, dict[str, float]] | None = None,
    ):
        self.features = features
        self.agency_head = agency_head
        self.category_head = category_head
        self.info = info
        self.category_agencies = category_agencies or {}

    @classmethod
    def train(
        cls,
        texts: list[str],
        agencies: list[str],
        categories: list[str] | None = None,
        progress: Progress | None = None,
    ) -> "RoutingModel":
        say = progress or (lambda message: None)
        if len(texts) != len(agencies) or (categories is not None and len(categories) != len(texts)):
            raise ValueError("texts, agencies and categories must have the same length")
        if not texts:
            raise ValueError("routing needs at least one routed complaint to learn from")
        say(f"fitting features on {len(texts)} texts")
        features = RoutingFeatures().fit(texts)
        matrix = features.transform(texts)
        say("fitting agency classifier")
        # Balanced weights: small agencies otherwise never reach the top three (held-out +0.5 pt top-1).
        agency_head = _Head(matrix, agencies, balanced=True)
        category_head = None
        category_agencies: dict[str, dict[str, float]] = {}
        if categories is not None:
            say("fitting category classifier")
            labelled = [i for i, category in enumerate(categories) if category]
            if labelled:
                category_head = _Head(matrix[labelled], [categories[i] for i in labelled])
                category_agencies = _agency_shares([categories[i] for i in labelled], [agencies[i] for i in labelled])
        info = {"format": FORMAT_VERSION, "n_train": len(texts), "n_agencies": len(set(agencies))}
        say("done")
        return cls(features, agency_head, category_head, info, category_agencies)

    def route_many(self, texts: Iterable[str | None]) -> list[RoutingResult]:
        texts = list(texts)
        if not texts:
            return []
        matrix = self.features.transform(texts)
        agency_names, agency_scores = self.agency_head.probabilities(matrix)
        category_names, category_scores = [], np.zeros((len(texts), 0))
        if self.category_head:
            category_names, category_scores = self.category_head.probabilities(matrix)
        if getattr(self, "category_agencies", None):  # absent in models saved before it existed
            through = category_scores @ self._shares(category_names, agency_names)
            agency_scores = (1 - HIERARCHY_WEIGHT) * agency_scores + HIERARCHY_WEIGHT * through
        return [
            RoutingResult(categories=_top_row(category_names, categories), agencies=_top_row(agency_names, agencies))
            for agencies, categories in zip(agency_scores, category_scores)
        ]

    def _shares(self, category_names: list[str], agency_names: list[str]) -> np.ndarray:
        """category × agency matrix of `category_agencies`, built once per process (not pickled)."""
        cached = getattr(self, "_share_matrix", None)
        if cached is None:
            cached = np.zeros((len(category_names), len(agency_names)))
            column = {name: j for j, name in enumerate(agency_names)}
            for i, category in enumerate(category_names):
                for agency, share in self.category_agencies.get(category, {}).items():
                    if agency in column:
                        cached[i, column[agency]] = share
            self._share_matrix = cached
        return cached

    def __getstate__(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if key != "_share_matrix"}

    def route(self, text: str | None) -> RoutingResult:
        return self.route_many([text])[0]

    def save(self, path: str | Path) -> None:
        drop_cut_terms(self.features.words, self.features.chars)
        payload = {"format": FORMAT_VERSION, "model": self}
        joblib.dump(payload, Path(path), compress=("xz", 6))

    @classmethod
    def load(cls, path: str | Path) -> "RoutingModel":
        payload = joblib.load(Path(path))
        if payload.get("format") != FORMAT_VERSION or not isinstance(payload.get("model"), cls):
            raise ValueError(f"{path}: not a routing model of format {FORMAT_VERSION}")
        return payload["model"]


def _agency_shares(categories: Sequence[str], agencies: Sequence[str]) -> dict[str, dict[str, float]]:
    """For each category, the share of its training complaints each agency handled."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for category, agency in zip(categories, agencies):
        counts[category][agency] += 1
    return {
        category: {agency: n / sum(per.values()) for agency, n in per.items()} for category, per in counts.items()
    }


def _top_row(names: Sequence[str], row: np.ndarray, k: int = TOP_K) -> list[tuple[str, float]]:
    """`_top` of one row of scores, without building a dict of every class."""
    if not len(names):
        return []
    best = np.argsort(-row, kind="stable")[: k * 2]  # a few spare for ties broken by name below
    return _top({names[i]: float(row[i]) for i in best}, k)


def top_k_accuracy(model_or_router, texts: Sequence[str], truth: Sequence[str], k: int = TOP_K) -> dict[str, float]:
    """Agency top-1 and top-k accuracy of any router with `route` (learned or keyword)."""
    if isinstance(model_or_router, RoutingModel):
        results = model_or_router.route_many(texts)
    else:
        results = [model_or_router.route(text) for text in texts]
    top1 = topk = 0
    for result, expected in zip(results, truth):
        codes = [code for code, _ in result.agencies]
        top1 += bool(codes) and codes[0] == expected
        topk += expected in codes[:k]
    n = max(len(truth), 1)
    return {"top1": top1 / n, f"top{k}": topk / n}
