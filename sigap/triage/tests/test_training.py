import csv

import pytest

from sigap.triage.training import should_replace, train_triage_from_csv
from sigap.triage.tests.test_classifier import TINY


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "source"])
        writer.writerows(rows)


def test_training_from_a_csv_returns_a_model_and_held_out_scores(tmp_path):
    path = tmp_path / "labelled.csv"
    rows = [(text + suffix, label, "inline") for suffix in ("", " ya", " sekali") for text, label in TINY]
    write_csv(path, rows)
    messages = []
    model, scores = train_triage_from_csv(path, progress=messages.append)
    assert model.info["n_train"] == len(rows)  # refit on every row
    assert scores["held_out"]["n_test"] + scores["held_out"]["n_train"] == len(rows)
    assert 0 <= scores["macro_f1"] <= 1 and "inline" in scores["per_source"]
    assert any("held-out" in message for message in messages)


def test_a_csv_with_an_unknown_label_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    write_csv(path, [("halo", "spam", "x")])
    with pytest.raises(ValueError, match="unknown label"):
        train_triage_from_csv(path)


def test_a_new_model_replaces_the_old_only_when_it_scores_at_least_as_well():
    old = {"macro_f1": 0.85, "aduan_recall": 0.90}
    assert should_replace(old, {"macro_f1": 0.86, "aduan_recall": 0.90})
    assert should_replace(old, {"macro_f1": 0.85, "aduan_recall": 0.90})
    assert not should_replace(old, {"macro_f1": 0.84, "aduan_recall": 0.99})
    assert not should_replace(old, {"macro_f1": 0.90, "aduan_recall": 0.80})


def test_without_old_scores_the_new_model_is_taken():
    assert should_replace(None, {"macro_f1": 0.1})
    assert should_replace({}, {"macro_f1": 0.1})


def test_a_figure_missing_on_one_side_is_not_compared():
    assert should_replace({"macro_f1": 0.8, "aduan_recall": None}, {"macro_f1": 0.8, "aduan_recall": 0.5})
