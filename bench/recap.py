"""Recap at scale: time and peak memory to build a recap of N answered complaints as XLSX and as PDF.

Each size gets a throwaway database (SQLite in a temporary folder; PostgreSQL too when it answers
on 127.0.0.1:5432 as postgres), filled directly with bulk_create: N complaints with their step
clocks 2–5 and posted answers, all answered in one month. Every measured run is its own process,
so its peak RSS (getrusage) is its own; the baseline is the same process after Django has started
and before the recap begins. Targets: XLSX and PDF together under 30 s and 500 MB for 100,000
rows, and memory at the larger size no more than 1.5 × that at 100,000 (the rows are streamed).

    .venv/bin/python bench/recap.py                    # 100,000 and 300,000 rows
    .venv/bin/python bench/recap.py --sizes 20000      # any sizes
    .venv/bin/python bench/recap.py --full             # 100,000 and 1,000,000 (takes a while)
    .venv/bin/python bench/recap.py --sqlite-only
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "sigap_bench_recap"
START = "2026-01-01T00:00:00+07:00"  # the recap's month
END = "2026-02-01T00:00:00+07:00"

STANDARD = {2: timedelta(minutes=60), 3: timedelta(hours=24), 4: timedelta(minutes=60), 5: timedelta(hours=24)}
WORDS = [
    "lampu pju mati di jalan {street}, gelap sekali kalau malam",
    "sampah di tps {kel} belum diangkut tiga hari, bau sampai rumah warga",
    "jalan berlubang di {street} dekat pasar, motor sering jatuh",
    "parkir liar di depan {place} bikin macet setiap sore",
    "saluran air mampet di {kel}, kalau hujan air masuk rumah",
    "bantuan sosial pkh belum cair sejak bulan lalu padahal sudah terdaftar",
    "traffic light di simpang {place} mati sejak pagi, rawan kecelakaan",
    "pohon tumbang menutup trotoar di {street}, belum ada petugas",
    "pelayanan ktp di dukcapil antre lama, sistem sering error",
    "pedagang kaki lima menutup trotoar di {place}",
]
STREETS = ["Slamet Riyadi", "Ahmad Yani", "Kapten Mulyadi", "Veteran", "Adi Sucipto", "Urip Sumoharjo", "Yos Sudarso"]
PLACES = ["Pasar Gede", "Manahan", "Gladak", "Panggung", "Balapan", "Purwosari", "Solo Square"]


# In the child processes ----------------------------------------------------------------------


def _django(database_url: str, media: str) -> None:
    os.environ["SIGAP_DATABASE_URL"] = database_url
    os.environ["SIGAP_MEDIA_ROOT"] = media
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def generate(size: int) -> None:
    """Migrate, then write `size` answered complaints with steps 2–5 and answers, in batches."""
    from datetime import datetime

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sigap.agencies.models import Agency, Category, Kelurahan
    from sigap.cases.models import Answer, Complaint, Status, Step
    from sigap.sop.models import SopVersion

    sop = SopVersion.current()
    steps = {n: sop.step(n) for n in (2, 3, 4, 5)}
    categories = list(Category.objects.exclude(usual_agency=None).select_related("usual_agency"))
    kelurahan = list(Kelurahan.objects.all())
    agencies = list(Agency.objects.all())
    platforms = ["whatsapp"] * 5 + ["instagram"] * 2 + ["x", "facebook", "tiktok", "youtube"]
    start = datetime.fromisoformat(START)
    span = (datetime.fromisoformat(END) - start).total_seconds() - 4 * 86400  # answered before the month ends
    batch = 5000
    for first in range(0, size, batch):
        complaints, count = [], min(batch, size - first)
        for i in range(first, first + count):
            posted = start + timedelta(seconds=(i * 7919) % int(span))
            category = categories[i % len(categories)]
            kel = kelurahan[i % len(kelurahan)]
            text = WORDS[i % len(WORDS)].format(street=STREETS[i % 7], place=PLACES[(i // 7) % 7], kel=kel.name)
            complaints.append(Complaint(
                tracking_number=f"BEN-{i:09d}", sop=sop, status=Status.POSTED, platform=platforms[i % len(platforms)],
                complainant_handle=f"warga{i}", text=f"Min, {text}. Mohon segera ditindaklanjuti.",
                permalink=f"https://example.test/p/{i}", posted_at=posted, received_at=posted + timedelta(minutes=3),
                category=category, agency=category.usual_agency if i % 13 else agencies[i % len(agencies)],
                kelurahan=kel, anonymous=i % 20 == 0, confidential=i % 97 == 0,
            ))  # fmt: skip
        Complaint.objects.bulk_create(complaints)
        rows, answers = [], []
        for c in complaints:
            i = int(c.tracking_number[4:])
            t = c.posted_at
            # Some late: step 3 up to 21 h of its 24, step 4 up to 109 min of 60, step 5 up to 40 h of 24.
            spent = [
                timedelta(minutes=3), timedelta(hours=2 + i % 20), timedelta(minutes=20 + i % 90), timedelta(hours=1 + i % 40)
            ]  # fmt: skip
            for n, took in zip((2, 3, 4, 5), spent):
                due = t + STANDARD[n]
                rows.append(Step(
                    complaint_id=c.pk, sop_step=steps[n], number=n, round=1, role=steps[n].role,
                    started_at=t, due_at=due, completed_at=t + took, on_time=t + took <= due,
                ))  # fmt: skip
                t = t + took
            answers.append(Answer(
                complaint_id=c.pk, round=1, agency_id=c.agency_id, status=Answer.Status.APPROVED,
                text="Terima kasih, laporan sudah kami tindak lanjuti; petugas sudah ke lokasi.",
                posted_link=f"https://example.test/p/{i}#reply", posted_at=t, created_at=t,
            ))  # fmt: skip
        Step.objects.bulk_create(rows)
        Answer.objects.bulk_create(answers)


def run(fmt: str, out: str) -> dict:
    """One recap to its file(s) in this process: "xlsx", "pdf", or "both" the way archiving does
    it (the XLSX first, whose pass over the rows also sums the figures the PDF needs)."""
    from datetime import datetime

    from django.utils import translation

    from sigap.recaps import pdf, xlsx
    from sigap.recaps.build import RecapData

    baseline = _rss_now()
    started = time.perf_counter()
    data = RecapData(datetime.fromisoformat(START), datetime.fromisoformat(END))
    with translation.override("id"):
        for name in ("xlsx", "pdf") if fmt == "both" else (fmt,):
            with open(f"{out}.{name}", "wb") as stream:
                (xlsx if name == "xlsx" else pdf).render(data, stream)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    size = sum(os.path.getsize(f"{out}.{name}") for name in ("xlsx", "pdf") if os.path.exists(f"{out}.{name}"))
    return {"seconds": elapsed, "peak_mb": peak, "baseline_mb": baseline, "rows": data.summary.answered, "bytes": size}


def _calibrate() -> float:
    import timeit

    return min(timeit.repeat("sum(range(100))", number=100_000, repeat=5)) / 100_000 * 1e6


def _rss_now() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


# The parent ----------------------------------------------------------------------------------


def _child(args: list[str], env: dict) -> str:
    result = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    return result.stdout


def _pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
        return True
    except Exception:
        return False


def _pg_reset() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_DB}")


def measure(backend: str, size: int, tmp: Path) -> dict:
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'recap-{size}.sqlite3'}"
    else:
        _pg_reset()
        url = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    common = ["--url", url, "--media", str(tmp / "media")]
    started = time.perf_counter()
    _child(["generate", "--size", str(size), *common], env)
    print(f"  {backend:<10} {size:>9,} rows generated in {time.perf_counter() - started:6.1f} s", flush=True)
    results = {}
    for fmt in ("xlsx", "pdf", "both"):
        out = tmp / f"recap-{backend}-{size}-{fmt}"
        results[fmt] = r = json.loads(_child(["run", "--format", fmt, "--out", str(out), *common], env))
        print(
            f"  {backend:<10} {size:>9,} {fmt:<4} {r['seconds']:7.1f} s   peak RSS {r['peak_mb']:7.1f} MB "
            f"(Django alone {r['baseline_mb']:5.1f} MB)   {r['bytes'] / 1e6:7.1f} MB written   {r['rows']:,} rows",
            flush=True,
        )
    apart = results["xlsx"]["seconds"] + results["pdf"]["seconds"]
    print(f"  {backend:<10} {size:>9,} xlsx + pdf in separate processes: {apart:.1f} s", flush=True)
    return results["both"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="child")
    g = sub.add_parser("generate")
    g.add_argument("--size", type=int, required=True)
    r = sub.add_parser("run")
    r.add_argument("--format", choices=["xlsx", "pdf", "both"], required=True)
    r.add_argument("--out", required=True)
    for p in (g, r):
        p.add_argument("--url", required=True)
        p.add_argument("--media", required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--full", action="store_true", help="100,000 and 1,000,000 rows")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()

    if args.child:
        _django(args.url, args.media)
        if args.child == "generate":
            generate(args.size)
        else:
            print(json.dumps(run(args.format, args.out)))
        return 0

    sizes = args.sizes or ([100_000, 1_000_000] if args.full else [100_000, 300_000])
    backends = ["sqlite"] + ([] if args.sqlite_only or not _pg_available() else ["postgresql"])
    print("Recap build time and peak memory (targets at 100,000 rows: XLSX + PDF < 30 s and < 500 MB;")
    print(f"memory at the largest size ≤ 1.5 × at the smallest). Sizes {sizes}, databases {backends}.")
    print(f"This machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"sum(range(100)) takes {_calibrate():.2f} µs (about 0.6–0.9 µs on a current laptop core).")
    tmp = Path(tempfile.mkdtemp(prefix="sigap-bench-recap-"))
    try:
        for backend in backends:
            figures = {size: measure(backend, size, tmp) for size in sizes}
            small, large = min(sizes), max(sizes)
            if small != large:
                big, little = figures[large], figures[small]
                above = (big["peak_mb"] - big["baseline_mb"]) / (little["peak_mb"] - little["baseline_mb"])
                print(
                    f"  {backend:<10} XLSX + PDF, {large:,} / {small:,} rows: "
                    f"peak RSS {big['peak_mb'] / little['peak_mb']:.2f}×, "
                    f"above Django alone {above:.2f}×, time {big['seconds'] / little['seconds']:.2f}×"
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if "postgresql" in backends:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
