from fpdf import FPDF

from sigap.recaps import charts, topics
from sigap.recaps.charts import Chart, Rect


def test_bars_are_as_long_as_their_share_of_the_axis():
    chart = Chart("SOP", ["Langkah 2", "Langkah 3"], [100, 25], ["100%", "25%"], top=100)
    bars = [s for s in charts.layout(chart)[0] if isinstance(s, Rect)]
    assert bars[1].w == bars[0].w / 4


def test_svg_escapes_labels_and_carries_a_title_for_screen_readers():
    svg = charts.svg(Chart("Per <platform>", ["<script>alert(1)</script>"], [3], ["3"]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'aria-label="Per &lt;platform&gt;"' in svg and "<title>Per &lt;platform&gt;</title>" in svg


def test_an_empty_chart_says_so_instead_of_dividing_by_zero():
    shapes, height = charts.layout(Chart("Kosong", ["a", "b"], [0, 0], ["0", "0"], horizontal=False))
    assert [s.text for s in shapes if hasattr(s, "text")] == ["Kosong", "–"] and height > 0


def test_columns_label_every_few_bars_when_there_are_many():
    chart = Chart("Per hari", [f"d{d}" for d in range(1, 32)], list(range(1, 32)), [f"v{v}" for v in range(31)], horizontal=False)
    texts = [s.text for s in charts.layout(chart)[0] if hasattr(s, "text")]
    assert [t for t in texts if t.startswith("d")] == [f"d{d}" for d in range(1, 32, 3)]
    assert not [t for t in texts if t.startswith("v")]  # no value over each bar past 16 bars


def test_the_same_shapes_draw_on_a_pdf_page():
    pdf = FPDF()
    pdf.add_font("DejaVu", "", "sigap/recaps/fonts/DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", "sigap/recaps/fonts/DejaVuSans-Bold.ttf")
    pdf.add_page()
    height = charts.draw(pdf, Chart("Platform", ["WhatsApp", "X"], [3, 1], ["3", "1"]), 15, 20, 180, "DejaVu")
    assert 15 < height < 40


def test_words_drop_links_mentions_numbers_stop_words_and_stretching():
    words = topics.words("@pemkot_solo Tolonggg lampu PJU di jl 5 mati. https://t.co/x www.solo.go.id")
    assert [w for w in words if w] == ["lampu", "pju", "mati"]
    assert words[words.index("pju") + 1] is None  # "di jl 5" breaks the phrase


def test_a_phrase_stands_for_words_that_come_together():
    counter = topics.TopicCounter()
    texts = ["lampu pju mati", "lampu pju mati lagi", "lampu pju padam", "jalan berlubang", "jalan berlubang besar", "banjir"]
    for text in texts:
        counter.add(text)
    top = dict(counter.top())
    assert top == {"lampu pju": 3, "jalan berlubang": 2, "pju mati": 2}
    # "lampu", "pju", "mati", "berlubang" are said inside those phrases; "banjir" only once.


def test_counting_stays_bounded_and_keeps_the_frequent_topics(monkeypatch):
    monkeypatch.setattr(topics, "CAP", 50)
    counter = topics.TopicCounter()
    for i in range(2000):
        unique = "".join(chr(97 + int(digit)) for digit in f"{i:04d}")
        counter.add(f"sampah menumpuk x{unique} y{unique}")
    assert len(counter.unigrams) <= 50 and len(counter.bigrams) <= 50
    assert counter.top(1) == [("sampah menumpuk", 2000)]
