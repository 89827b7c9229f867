"""Bar charts drawn by hand: one layout, two small back ends (inline SVG for pages, fpdf2 for the PDF).

A plotting library would bring megabytes and often system libraries for five bar charts; the
layout below is plain arithmetic on rectangles and text, and the same shapes are drawn in both
places, so the web page and the PDF show the same picture.
"""

from dataclasses import dataclass, field
from math import ceil
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from sigap.recaps.build import STEPS, Summary
from sigap.recaps.narrative import fmt_date, fmt_int, fmt_pct, platform_name

WIDTH = 560  # layout units: SVG pixels; the PDF scales them to its column width
BAR = "#1d6fb8"
GOOD, FAIR, POOR = "#2e7d32", "#e08a00", "#c62828"
INK, MUTED, GRID = "#222222", "#666666", "#d9d9d9"
CHAR = 0.56  # average character width as a share of the font size, for truncating labels


@dataclass
class Chart:
    title: str
    labels: list[str]
    values: list[float]
    shown: list[str]  # each value as printed beside its bar
    horizontal: bool = True
    top: float | None = None  # the axis maximum (100 for percentages); else the largest value
    colors: list[str] = field(default_factory=list)


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    color: str


@dataclass
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    anchor: str = "start"  # start | middle | end
    color: str = INK
    bold: bool = False


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    color: str = GRID


def _fit(text: str, width: float, size: float) -> str:
    most = max(1, int(width / (size * CHAR)))
    return text if len(text) <= most else text[: most - 1] + "…"


def layout(chart: Chart, width: float = WIDTH) -> tuple[list, float]:
    """The chart's shapes and its height."""
    shapes: list = [Text(0, 14, chart.title, 12, bold=True)]
    if not chart.values or not any(chart.values):
        shapes.append(Text(0, 36, "–", 11, color=MUTED))
        return shapes, 44
    top = chart.top or max(chart.values) or 1
    return (_bars if chart.horizontal else _columns)(chart, width, top, shapes)


def _bars(chart: Chart, width: float, top: float, shapes: list) -> tuple[list, float]:
    row, y0, size = 18, 24, 10
    label_w, value_w = width * 0.34, 64
    bar_x, bar_w = label_w + 6, width - label_w - 6 - value_w
    for i, (label, value, shown) in enumerate(zip(chart.labels, chart.values, chart.shown)):
        y = y0 + i * row
        length = max(0.0, min(1.0, value / top)) * bar_w
        color = chart.colors[i] if chart.colors else BAR
        shapes.append(Text(label_w, y + 12.5, _fit(label, label_w, size), size, anchor="end"))
        shapes.append(Rect(bar_x, y + 3, max(length, 0.8), row - 6, color))
        shapes.append(Text(bar_x + length + 4, y + 12.5, shown, size, color=MUTED))
    return shapes, y0 + len(chart.values) * row + 4


def _columns(chart: Chart, width: float, top: float, shapes: list) -> tuple[list, float]:
    height, plot_top, size = 190, 30, 9
    left, bottom = 34, height - 20
    n = len(chart.values)
    slot = (width - left) / n
    shapes.append(Line(left, plot_top, width, plot_top))
    shapes.append(Text(left - 4, plot_top + 3, fmt_int(round(top)), size, anchor="end", color=MUTED))
    shapes.append(Text(left - 4, bottom, "0", size, anchor="end", color=MUTED))
    every = max(1, ceil(n / max(1, (width - left) // 34)))
    for i, (label, value, shown) in enumerate(zip(chart.labels, chart.values, chart.shown)):
        h = max(0.0, min(1.0, value / top)) * (bottom - plot_top)
        x = left + i * slot
        shapes.append(Rect(x + slot * 0.15, bottom - h, slot * 0.7, h, chart.colors[i] if chart.colors else BAR))
        if n <= 16 and value:
            shapes.append(Text(x + slot / 2, bottom - h - 3, shown, size, anchor="middle", color=MUTED))
        if i % every == 0:
            shapes.append(Text(x + slot / 2, bottom + 13, label, size, anchor="middle", color=MUTED))
    shapes.append(Line(left, bottom, width, bottom, MUTED))
    return shapes, height


# Back ends -------------------------------------------------------------------------------


def svg(chart: Chart, width: float = WIDTH) -> str:
    """Inline SVG markup (already escaped), scaled to its container's width."""
    shapes, height = layout(chart, width)
    title = escape(chart.title)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width:g} {height:g}" '
        f'role="img" aria-label="{title}" font-family="sans-serif"><title>{title}</title>'
    ]
    for s in shapes:
        if isinstance(s, Rect):
            out.append(f'<rect x="{s.x:.1f}" y="{s.y:.1f}" width="{s.w:.1f}" height="{s.h:.1f}" fill="{s.color}"/>')
        elif isinstance(s, Line):
            out.append(f'<line x1="{s.x1:.1f}" y1="{s.y1:.1f}" x2="{s.x2:.1f}" y2="{s.y2:.1f}" stroke="{s.color}"/>')
        else:
            weight = ' font-weight="bold"' if s.bold else ""
            out.append(
                f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size:g}" text-anchor="{s.anchor}" '
                f'fill="{s.color}"{weight}>{escape(s.text)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def draw(pdf, chart: Chart, x: float, y: float, width: float, font: str) -> float:
    """Draw on an fpdf2 page at (x, y), `width` in the page's unit (mm); the height used."""
    shapes, height = layout(chart)
    k = width / WIDTH
    for s in shapes:
        if isinstance(s, Rect):
            pdf.set_fill_color(*_rgb(s.color))
            pdf.rect(x + s.x * k, y + s.y * k, s.w * k, s.h * k, style="F")
        elif isinstance(s, Line):
            pdf.set_draw_color(*_rgb(s.color))
            pdf.line(x + s.x1 * k, y + s.y1 * k, x + s.x2 * k, y + s.y2 * k)
        else:
            pdf.set_font(font, "B" if s.bold else "", s.size * k * 72 / 25.4)
            pdf.set_text_color(*_rgb(s.color))
            shift = {"start": 0, "middle": 0.5, "end": 1}[s.anchor] * pdf.get_string_width(s.text)
            pdf.text(x + s.x * k - shift, y + s.y * k, s.text)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    return height * k


# The recap's charts ----------------------------------------------------------------------


def _sop_color(value: float | None) -> str:
    if value is None or value >= 90:
        return GOOD
    return FAIR if value >= 70 else POOR


def recap_charts(s: Summary, lang: str) -> list[Chart]:
    """The five charts of a recap, titled in the active language, numbers written for `lang`."""
    day = s.bucket == "day"
    buckets = Chart(
        _("Complaints received per day") if day else _("Complaints received per month"),
        [fmt_date(d, lang, year=False, month=len(s.per_bucket) > 31) if day else f"{d:%m/%Y}" for d, _n in s.per_bucket],
        [n for _d, n in s.per_bucket],
        [fmt_int(n, lang) for _d, n in s.per_bucket],
        horizontal=False,
    )
    if day and len(s.per_bucket) <= 31:
        buckets.labels = [str(d.day) for d, _n in s.per_bucket]
    hours = Chart(_("Complaints received by hour of day (WIB)"), [f"{h:02d}" for h in range(24)], list(s.per_hour),
                  [fmt_int(n, lang) for n in s.per_hour], horizontal=False)  # fmt: skip
    platforms = Chart(
        _("Answers posted per platform"),
        [platform_name(code, lang) for code, _n in s.by_platform],
        [n for _c, n in s.by_platform],
        [fmt_int(n, lang) for _c, n in s.by_platform],
    )
    top = s.by_category[:10]
    categories = Chart(
        _("Answered complaints per category (top 10)"),
        [c or "–" for c, _n in top],
        [n for _c, n in top],
        [fmt_int(n, lang) for _c, n in top],
    )
    rates = [s.step_pct(n) for n in STEPS]
    sop = Chart(
        _("SOP time achievement per step"),
        [_("Step %(n)s") % {"n": n} for n in STEPS],
        [r or 0 for r in rates],
        [fmt_pct(r, lang) for r in rates],
        top=100,
        colors=[_sop_color(r) for r in rates],
    )
    return [buckets, hours, platforms, categories, sop]
