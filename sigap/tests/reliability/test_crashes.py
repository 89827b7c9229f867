"""Crashes: real processes SIGKILLed at random moments under load, then every total checked.

gunicorn, `sigap worker` and `sigap fakeplatform` run on a throwaway database of the kind
SIGAP_DATABASE_URL names (a SQLite file otherwise); see harness.py for what is killed when and
what is counted. SIGAP_CRASH_SEED picks another repeatable sequence of kills; SIGAP_CRASH_ITEMS
and SIGAP_CRASH_KILLS make the run longer (`python -m sigap.tests.reliability.harness` runs it
by hand and prints the same figures).
"""

import os

from sigap.tests.reliability import harness
from sigap.tests.reliability.conftest import FIGURES, NOTES


def test_sigkill_at_any_moment_loses_no_webhook_posts_no_reply_twice_and_leaves_no_step_half_done():
    figures = harness.run(
        seed=int(os.environ.get("SIGAP_CRASH_SEED", "1")),
        items=int(os.environ.get("SIGAP_CRASH_ITEMS", "48")),
        kills=int(os.environ.get("SIGAP_CRASH_KILLS", "8")),
        recap_kills=2,
        outages=2,
        database_url=os.environ.get("SIGAP_DATABASE_URL", ""),
    )
    NOTES.append(figures.summary())
    assert not figures.problems, figures.summary()
    assert sum(figures.kills.values()) >= 8 and figures.recap_kills_mid_run >= 1, figures.summary()
    assert figures.acks_sent > 0 and figures.messages == figures.accepted == figures.posted
    FIGURES[f"crash test ({figures.database}): SIGKILLs survived"] = sum(figures.kills.values())
    FIGURES[f"crash test ({figures.database}): webhooks accepted, lost"] = f"{figures.accepted}, {figures.lost}"
    FIGURES[f"crash test ({figures.database}): database outages survived"] = figures.db_outages
