"""Training entry points for a future `sigap train` command.

`train_triage_from_csv` measures a candidate on a fixed held-out split, then refits it on every
row; `should_replace` keeps the current model unless the candidate is at least as good there.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from sklearn.model_selection import train_test_split

from sigap.triage.classifier import LABELS, TriageModel, evaluate

HELD_OUT_SHARE = 0.30
SPLIT_SEED = 42
# Scores compared by `should_replace`, most important first.
COMPARED = ("macro_f1", "aduan_recall")
TOLERANCE = 1e-9

Progress = Callable[[str], None]


def read_labelled_csv(path: str | Path) -> tuple[list[str], list[str], list[str] | None]:
    """Texts, labels and (if the file has a `source` column) sources; rows with unknown labels are an error."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "label"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
        rows = list(reader)
    unknown = sorted({row["label"] for row in rows} - set(LABELS))
    if unknown:
        raise ValueError(f"{path}: unknown label(s) {unknown}; expected {list(LABELS)}")
    sources = [row.get("source") or "" for row in rows] if rows and "source" in rows[0] else None
    return [row["text"] for row in rows], [row["label"] for row in rows], sources


def held_out_split(labels: list[str]) -> tuple[list[int], list[int]]:
    """Fixed stratified 70/30 split (seed 42); stratification falls back to none for tiny classes."""
    indices = list(range(len(labels)))
    counts = {label: labels.count(label) for label in set(labels)}
    stratify = labels if min(counts.values()) >= 2 else None
    train, test = train_test_split(indices, test_size=HELD_OUT_SHARE, random_state=SPLIT_SEED, stratify=stratify)
    return sorted(train), sorted(test)


def train_triage_from_csv(path: str | Path, progress: Progress | None = None) -> tuple[TriageModel, dict]:
    """Train from a CSV with `text,label[,source]` columns.

    Returns the model refit on all rows, and the scores of the same recipe trained on 70 % and
    measured on the 30 % it never saw (see `classifier.evaluate` for the keys).
    """
    say = progress or (lambda message: None)
    texts, labels, sources = read_labelled_csv(path)
    say(f"read {len(texts)} labelled rows from {path}")
    return train_triage_measured(texts, labels, sources, progress=say)


def train_triage_measured(
    texts: list[str], labels: list[str], sources: list[str] | None = None, progress: Progress | None = None
) -> tuple[TriageModel, dict]:
    """Measure the recipe on the fixed held-out split, then refit on everything (see above)."""
    say = progress or (lambda message: None)
    train, test = held_out_split(labels)
    say(f"measuring on a held-out {len(test)} rows (seed {SPLIT_SEED})")
    candidate = TriageModel.train([texts[i] for i in train], [labels[i] for i in train], progress=say)
    scores = evaluate(
        candidate,
        [texts[i] for i in test],
        [labels[i] for i in test],
        [sources[i] for i in test] if sources else None,
    )
    scores["held_out"] = {"share": HELD_OUT_SHARE, "seed": SPLIT_SEED, "n_train": len(train), "n_test": len(test)}
    say(f"held-out macro-F1 {scores['macro_f1']:.3f}; refitting on all {len(texts)} rows")
    model = TriageModel.train(texts, labels, progress=say)
    model.info["scores"] = scores
    return model, scores


def should_replace(old_scores: dict | None, new_scores: dict) -> bool:
    """True when the new model scores at least as well as the old on every compared figure.

    With no old scores (first training, or a model shipped without them) the new model wins.
    A figure missing on either side (e.g. no complaints in the held-out rows) is not compared.
    The old scores are those stored with the current model (`model.info["scores"]`); they are
    comparable when both models were measured the same way on similar data, which is why the
    split is fixed. Re-measuring the old model on the new held-out rows would flatter it when it
    was trained on some of them.
    """
    if not old_scores:
        return True
    for key in COMPARED:
        old, new = old_scores.get(key), new_scores.get(key)
        if old is None or new is None:
            continue
        if new + TOLERANCE < old:
            return False
    return True
