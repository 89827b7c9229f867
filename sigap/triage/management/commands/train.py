"""`sigap train [--csv FILE]`: retrain triage and routing, keeping the old models unless the new score as well.

Without --csv it learns from the desk's own history:
- triage: every message a person decided in the triage queue (their latest decision), plus the
  shipped seed set (sigap/triage/data/triage-seed.csv);
- routing: every complaint whose routing a person confirmed or corrected (the latest choice), and
  every complaint a person forwarded (the agency they chose).
With --csv FILE it learns from the file: `text,label[,source]` trains triage, `text,agency[,category]`
trains routing, a file with both columns trains both.

Each candidate is measured on a fixed held-out 30 % it did not learn from, then refit on every row.
It replaces the model in SIGAP_MODEL_DIR only if it scores at least as well as the model in use:
triage on macro-F1 and complaint recall (sigap.triage.training.should_replace), routing on agency
top-1 and top-3 accuracy (against the previous model's stored scores, or against the keyword rules
measured on the same held-out rows). The worker picks a new file up without a restart.
"""

import csv
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sigap.cases.models import Complaint, Event
from sigap.triage import decide
from sigap.triage.classifier import LABELS
from sigap.triage.models import Decision, RoutingDecision
from sigap.triage.routing import RoutingModel, top_k_accuracy
from sigap.triage.training import held_out_split, read_labelled_csv, should_replace, train_triage_measured

SEED_CSV = Path(decide.__file__).resolve().parent / "data" / "triage-seed.csv"
MIN_TRIAGE_ROWS = 20
MIN_ROUTING_ROWS = 20
ROUTING_COMPARED = ("top1", "top3")
TOLERANCE = 1e-9


def triage_history() -> tuple[list[str], list[str]]:
    """The people's triage decisions, the latest per message."""
    latest: dict[int, tuple[str, str]] = {}
    for message_id, text, label in (
        Decision.objects.filter(by__isnull=False).order_by("at", "pk").values_list("message_id", "message__text", "label")
    ):
        if text and text.strip():
            latest[message_id] = (text, label)
    rows = list(latest.values())
    return [text for text, _ in rows], [label for _, label in rows]


def routing_history() -> tuple[list[str], list[str], list[str]]:
    """Texts with the agency (and category) a person chose: routing decisions first, then forwards."""
    chosen: dict[int, tuple[str, str, str]] = {}
    for decision in RoutingDecision.objects.select_related("complaint", "agency", "category").order_by("at", "pk"):
        if decision.agency is not None:
            chosen[decision.complaint_id] = (
                decision.complaint.text, decision.agency.code, decision.category.name if decision.category else ""
            )
    forwarded = Event.objects.filter(kind="forwarded", actor__isnull=False).values_list("complaint_id", flat=True)
    for complaint in Complaint.objects.filter(pk__in=forwarded, agency__isnull=False).select_related("agency", "category"):
        if complaint.pk not in chosen:
            chosen[complaint.pk] = (complaint.text, complaint.agency.code, complaint.category.name if complaint.category else "")
    rows = [row for row in chosen.values() if row[0].strip()]
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def routing_better(old: dict | None, new: dict) -> bool:
    if not old:
        return True
    return all(new.get(key, 0) + TOLERANCE >= old.get(key, 0) for key in ROUTING_COMPARED if old.get(key) is not None)


def save_atomically(model, path: Path) -> None:
    """Write beside the target, then rename: the worker never loads a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        model.save(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


class Command(BaseCommand):
    help = "Retrain triage and routing from the desk's confirmed decisions or a CSV; keep the old models unless the new score as well."

    def add_arguments(self, parser):
        parser.add_argument("--csv", dest="csv_path", help="Learn from this CSV: text,label[,source] and/or text,agency[,category].")
        parser.add_argument("--only", choices=["triage", "routing"], help="Train one of the two.")
        parser.add_argument("--dry-run", action="store_true", help="Measure and report, but write no model.")

    def handle(self, *args, csv_path: str | None = None, only: str | None = None, dry_run: bool = False, **options):
        self.dry_run = dry_run
        columns = self._columns(csv_path) if csv_path else set()
        if csv_path and not columns & {"label", "agency"}:
            raise CommandError(f"{csv_path}: needs a `label` column (triage) or an `agency` column (routing)")
        if only != "routing" and (not csv_path or "label" in columns):
            self._triage(csv_path)
        if only != "triage" and (not csv_path or "agency" in columns):
            self._routing(csv_path)

    # -- helpers ------------------------------------------------------------------------

    def say(self, message: str) -> None:
        self.stderr.write(message, style_func=lambda text: text)

    def _columns(self, path: str) -> set[str]:
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                header = next(csv.reader(handle), [])
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except (UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"{path}: not a UTF-8 CSV file ({exc})") from exc
        columns = {name.strip() for name in header}
        if "text" not in columns:
            raise CommandError(f"{path}: missing column `text` (found: {', '.join(sorted(columns)) or 'no header'})")
        return columns

    # -- triage -------------------------------------------------------------------------

    def _triage(self, csv_path: str | None) -> None:
        if csv_path:
            try:
                texts, labels, sources = read_labelled_csv(csv_path)
            except (ValueError, UnicodeDecodeError, csv.Error) as exc:
                raise CommandError(f"{csv_path}: {exc}") from exc
            origin = csv_path
        else:
            seed_texts, seed_labels, _ = read_labelled_csv(SEED_CSV)
            desk_texts, desk_labels = triage_history()
            texts, labels = seed_texts + desk_texts, seed_labels + desk_labels
            sources = ["seed"] * len(seed_texts) + ["desk"] * len(desk_texts)
            origin = f"{len(desk_texts)} decisions of the desk + {len(seed_texts)} seed rows"
            self.say(f"triage: {origin}")
        counts = {label: labels.count(label) for label in LABELS if label in labels}
        if len(texts) < MIN_TRIAGE_ROWS or len(counts) < 2 or min(counts.values()) < 2:
            message = f"triage: not enough labelled rows to learn from ({len(texts)}: {counts}); the current model stays"
            if csv_path:
                raise CommandError(message)
            self.stdout.write(message)
            return
        try:
            model, scores = train_triage_measured(texts, labels, sources, progress=lambda m: self.say(f"triage: {m}"))
        except ValueError as exc:
            raise CommandError(f"triage: {exc}") from exc
        current = decide.triage_model()
        old = current.info.get("scores")
        self.stdout.write(
            "triage held-out: " + _figures(scores, ("macro_f1", "accuracy", "aduan_recall", "aduan_precision"))
            + f" (n={scores['held_out']['n_test']})"
        )
        per_class = ", ".join(f"{label} {figures['f1']:.3f}" for label, figures in scores["per_class"].items())
        self.stdout.write(f"triage per-class F1: {per_class}")
        self.stdout.write(
            f"triage model in use ({decide.model_name(current)}): "
            + (_figures(old, ("macro_f1", "aduan_recall")) if old else "no stored scores")
        )
        if not should_replace(old, scores):
            self.stdout.write("triage: kept the model in use (the new one scores lower)")
            return
        model.info.update({"trained_at": timezone.now().isoformat(timespec="seconds"), "trained_on": origin})
        self._write(model, decide.model_dir() / decide.TRIAGE_FILE, "triage")

    # -- routing ------------------------------------------------------------------------

    def _routing(self, csv_path: str | None) -> None:
        if csv_path:
            texts, agencies, categories = self._routing_csv(csv_path)
            origin = csv_path
        else:
            texts, agencies, categories = routing_history()
            origin = f"{len(texts)} complaints routed by the desk"
            self.say(f"routing: {origin}")
        if len(texts) < MIN_ROUTING_ROWS or len(set(agencies)) < 2:
            message = (
                f"routing: not enough routed complaints to learn from ({len(texts)}, {len(set(agencies))} agencies; "
                f"needs {MIN_ROUTING_ROWS} and 2); routing stays as it is"
            )
            if csv_path:
                raise CommandError(message)
            self.stdout.write(message)
            return
        train, test = held_out_split(agencies)
        pick = lambda values, rows: [values[i] for i in rows]  # noqa: E731
        self.say(f"routing: measuring on a held-out {len(test)} rows")
        candidate = RoutingModel.train(
            pick(texts, train), pick(agencies, train), pick(categories, train), progress=lambda m: self.say(f"routing: {m}")
        )
        scores = top_k_accuracy(candidate, pick(texts, test), pick(agencies, test))
        current = decide.router()
        if isinstance(current, RoutingModel):
            old, against = current.info.get("scores"), "the trained model in use"
        else:
            old, against = top_k_accuracy(current, pick(texts, test), pick(agencies, test)), "the keyword rules"
        self.stdout.write(f"routing held-out: {_figures(scores, ROUTING_COMPARED)} (n={len(test)})")
        self.stdout.write(f"routing by {against}: " + (_figures(old, ROUTING_COMPARED) if old else "no stored scores"))
        if not routing_better(old, scores):
            self.stdout.write("routing: kept the routing in use (the new model scores lower)")
            return
        self.say(f"routing: refitting on all {len(texts)} rows")
        model = RoutingModel.train(texts, agencies, categories, progress=lambda m: self.say(f"routing: {m}"))
        model.info.update({"scores": scores, "trained_at": timezone.now().isoformat(timespec="seconds"), "trained_on": origin})
        self._write(model, decide.model_dir() / decide.ROUTING_FILE, "routing")

    def _routing_csv(self, path: str) -> tuple[list[str], list[str], list[str]]:
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                rows = [row for row in csv.DictReader(handle) if (row.get("agency") or "").strip()]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        return (
            [row.get("text") or "" for row in rows],
            [row["agency"].strip() for row in rows],
            [(row.get("category") or "").strip() for row in rows],
        )

    def _write(self, model, path: Path, what: str) -> None:
        if self.dry_run:
            self.stdout.write(f"{what}: the new model would replace the one in use (--dry-run: nothing written)")
            return
        save_atomically(model, path)
        self.stdout.write(self.style.SUCCESS(f"{what}: new model written to {path}"))


def _figures(scores: dict | None, keys) -> str:
    scores = scores or {}
    return ", ".join(f"{key} {scores[key]:.3f}" if scores.get(key) is not None else f"{key} –" for key in keys)
