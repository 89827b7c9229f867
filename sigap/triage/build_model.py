"""Rebuild the shipped triage model, `data/triage-model.joblib` (a developer's tool, not run in production).

    .venv/bin/python -m sigap.triage.build_model [--labelled PATH]

What goes in, and why (licences in `data/ATTRIBUTION.md`):
- the hand-labelled kai121 and sp4n rows of `triage_train.csv` (read from ../shared at build time;
  the labelled set allows shipping what a model needs, so the model ships but the tweets do not);
- none of its `surabaya` rows: the Surabaya letters may not be redistributed, and a model's
  vocabulary would carry fragments of them;
- `data/triage-seed.csv`: 112 short messages written for Sigap (Surakarta places and services),
  which teach the city-complaint register the tweets lack.
The Surabaya rows are then a fair out-of-domain check: the model never saw them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sigap.triage.classifier import DEFAULT_MODEL_PATH, evaluate
from sigap.triage.training import read_labelled_csv, train_triage_measured

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED_CSV = DATA_DIR / "triage-seed.csv"
DEFAULT_LABELLED = Path(__file__).resolve().parents[3] / "shared" / "data" / "triage-labelled" / "triage_train.csv"
EXCLUDED_SOURCES = frozenset({"surabaya"})


def build(labelled: Path, output: Path = DEFAULT_MODEL_PATH) -> dict:
    texts, labels, sources = read_labelled_csv(labelled)
    sources = sources or [""] * len(texts)
    keep = [i for i, source in enumerate(sources) if source not in EXCLUDED_SOURCES]
    seed_texts, seed_labels, seed_sources = read_labelled_csv(SEED_CSV)
    model, scores = train_triage_measured(
        [texts[i] for i in keep] + seed_texts,
        [labels[i] for i in keep] + seed_labels,
        [sources[i] for i in keep] + (seed_sources or ["sigap"] * len(seed_texts)),
        progress=print,
    )
    excluded = [i for i in range(len(texts)) if i not in set(keep)]
    if excluded:
        outside = evaluate(model, [texts[i] for i in excluded], [labels[i] for i in excluded])
        scores["never_trained_sources"] = {
            "sources": sorted(EXCLUDED_SOURCES),
            "n": outside["n"],
            "aduan_recall": outside["aduan_recall"],
            "aduan_precision": outside["aduan_precision"],
            "accuracy": outside["accuracy"],
        }
    model.info["scores"] = scores
    model.info["trained_on"] = "triage_train.csv rows from kai121 and sp4n, plus triage-seed.csv"
    model.save(output)
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, default=DEFAULT_LABELLED)
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_PATH)
    args = parser.parse_args()
    scores = build(args.labelled, args.output)
    print(json.dumps(scores, indent=1, default=float))


if __name__ == "__main__":
    main()
