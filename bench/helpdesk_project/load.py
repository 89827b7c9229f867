"""Load tickets into django-helpdesk for bench/scale.py: run with the helpdesk venv's Python.

    python -m bench.helpdesk_project.load TEXTS.jsonl PASSWORD

Each line of TEXTS is [created ISO time, Sigap status, text] (exported from the Sigap side of the
same run, so both systems hold the same words); each ticket gets two follow-ups, as a desk's
ticket would (the agent's answer and the citizen's reply). Prints the API token and queue as JSON.
"""

import json
import os
import sys
import uuid
from datetime import datetime, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.helpdesk_project.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

# Sigap's status → the nearest helpdesk status (1 open, 3 resolved, 4 closed, 5 duplicate).
STATUS = {"posted": 3, "closed": 4, "merged": 5}
BATCH = 5000


def main(path: str, password: str) -> None:
    User = get_user_model()
    agent = User.objects.create_superuser("agent", "agent@example.test", password)
    token = Token.objects.create(user=agent)
    queue = Queue.objects.create(title="Aduan", slug="aduan", email_address="aduan@example.test")
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    for start in range(0, len(rows), BATCH):
        with transaction.atomic():
            tickets = []
            for n, (created, status, text) in enumerate(rows[start : start + BATCH], start=start):
                when = datetime.fromisoformat(created)
                tickets.append(
                    Ticket(
                        title=text[:100], queue=queue, created=when, modified=when + timedelta(hours=3),
                        submitter_email=f"warga{n}@example.test", status=STATUS.get(status, 1), on_hold=False,
                        description=text, priority=3, secret_key=str(uuid.uuid4()),
                        assigned_to=agent if n % 2 else None,
                    )
                )  # fmt: skip
            Ticket.objects.bulk_create(tickets)
            followups = []
            for t in tickets:
                followups.append(
                    FollowUp(ticket=t, date=t.created + timedelta(hours=1), title="Tanggapan", public=True, user=agent,
                             comment="Terima kasih, petugas sudah kami terjunkan ke lokasi.")
                )  # fmt: skip
                followups.append(
                    FollowUp(ticket=t, date=t.created + timedelta(hours=3), title="Balasan warga", public=True,
                             comment="Terima kasih, sudah ditangani.")
                )  # fmt: skip
            FollowUp.objects.bulk_create(followups)
    print(json.dumps({"token": token.key, "queue": queue.pk, "slug": queue.slug}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
