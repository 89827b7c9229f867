"""`sigap classify [FILE|-] [--csv]`: what triage and routing make of each message, as JSON lines.

One message per line (or per row of a CSV with a `text` column); one JSON object per message,
in order: triage label and confidence, top-3 categories and agencies with scores, places found,
kinds of personal data found (the kinds only: the output is safe to share). Uses the same models
as the worker: the deployment's trained ones when `sigap train` wrote them, else the shipped
model and the categories' keywords.
"""

import csv
import io
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from sigap.triage import decide
from sigap.triage.analyze import analyze
from sigap.triage.routing import default_keyword_router

# csv's default field limit (128 KiB) would refuse a long letter pasted into one cell.
CSV_FIELD_LIMIT = 16 * 1024 * 1024


class Command(BaseCommand):
    help = "Triage and route messages (one per line, or a CSV with a text column); print one JSON object per message."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="File to read; - or nothing reads standard input.")
        parser.add_argument("--csv", action="store_true", dest="as_csv", help="Read a CSV with a `text` column (automatic for *.csv).")

    def handle(self, *args, file: str = "-", as_csv: bool = False, **options):
        content = self._read(file)
        as_csv = as_csv or file.lower().endswith(".csv")
        texts = self._csv_texts(content, file) if as_csv else _lines(content)
        model, router = decide.triage_model(), self._router()
        for text in texts:
            self.stdout.write(json.dumps(analyze(text, triage_model=model, router=router), ensure_ascii=False))

    def _read(self, file: str) -> str:
        try:
            data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror or exc}") from exc
        # Undecodable bytes become U+FFFD: one bad byte must not lose the whole batch.
        return data.decode("utf-8-sig", errors="replace")

    def _csv_texts(self, content: str, file: str) -> list[str]:
        csv.field_size_limit(CSV_FIELD_LIMIT)
        reader = csv.DictReader(io.StringIO(content, newline=""))
        columns = reader.fieldnames or []
        if "text" not in columns:
            raise CommandError(f"{file}: a CSV needs a `text` column (found: {', '.join(columns) or 'no header'})")
        try:
            return [row.get("text") or "" for row in reader]
        except csv.Error as exc:
            raise CommandError(f"{file}, line {reader.line_num}: {exc}") from exc

    def _router(self):
        try:
            return decide.router()
        except DatabaseError:
            # No database yet (or not migrated): the shipped keyword rules answer the same question.
            return default_keyword_router()


def _lines(content: str) -> list[str]:
    """One message per line; a final newline does not make an extra, empty message."""
    if not content:
        return []
    lines = content.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]
