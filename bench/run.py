"""`make bench`: every benchmark, each printing its figures as ratios against a baseline measured in the same run."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"

BENCHMARKS = [
    ("Webhook intake", ["webhooks.py"], None),
    ("Triage and routing quality and speed", ["triage.py"], SHARED),
    ("Recap build time and memory", ["recap.py"], None),
    ("Acknowledgement latency", ["ack_latency.py"], None),
]


def main() -> int:
    failed = 0
    for title, args, needs in BENCHMARKS:
        print(f"\n=== {title} ===", flush=True)
        script = HERE / args[0]
        if not script.exists():
            print(f"({script.name} is not there yet)")
            continue
        if needs is not None and not needs.exists():
            print(f"skipped: it reads {needs}, which this checkout does not have")
            continue
        failed |= subprocess.run([sys.executable, str(script), *args[1:]], cwd=HERE.parent).returncode
    return failed


if __name__ == "__main__":
    sys.exit(main())
