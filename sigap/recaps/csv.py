"""The recap as CSV: UTF-8, one header line, one line per answered complaint, streamed.

Times are WIB written as YYYY-MM-DD HH:MM; numbers use a decimal point. With `bom=True` the file
starts with a byte-order mark, which is what makes Excel read it as UTF-8 rather than guess.
"""

import csv
import io
from datetime import datetime
from typing import BinaryIO

from sigap.recaps import columns as cols
from sigap.recaps.build import RecapData

BOM = "\ufeff"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(" ", "minutes")[:16]  # local time, without the offset
    return str(value)


def lines(data: RecapData, *, bom: bool = False, progress=None):
    """The file's text in pieces of a few hundred lines: for files and for streaming responses."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow([c.header for c in cols.columns(data.late_hours)])
    cells = cols.Cells(data.late_hours)
    for row in data.rows(progress=progress, summarize=False):
        writer.writerow([_text(v) for v in cells(row)])
        if row.number % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def render(data: RecapData, out: BinaryIO, *, bom: bool = False, progress=None) -> None:
    for piece in lines(data, bom=bom, progress=progress):
        out.write(piece.encode("utf-8"))
