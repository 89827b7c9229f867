"""What Sigap says to citizens: the texts of automatic replies.

Kept here, in Indonesian (the citizens' language), so that wording is reviewed in one place.
"""

from django.conf import settings

from sigap.cases.models import Complaint


def tracking_url(complaint: Complaint) -> str:
    return f"{settings.PUBLIC_URL}/lacak/{complaint.tracking_number}"


def ack_text(complaint: Complaint, *, with_link: bool = True) -> str:
    text = (
        f"Terima kasih, aduan Anda sudah kami terima dengan nomor lacak {complaint.tracking_number}. "
        "Aduan akan diteruskan ke OPD terkait."
    )
    if with_link:
        text += f" Pantau perkembangannya di {tracking_url(complaint)}"
    return text


def answer_text(complaint: Complaint, answer: str) -> str:
    return f"[{complaint.tracking_number}] {answer.strip()}"
