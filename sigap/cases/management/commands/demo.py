"""`sigap demo`: demo users, the city's demo accounts, and sample complaints in every SOP step. Safe to run again."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from sigap.agencies.models import Agency, Category, Kelurahan
from sigap.cases import actions
from sigap.cases.models import Complaint
from sigap.fakeplatform.accounts import CITY_ACCOUNTS, DEMO_POLL_INTERVALS, TOKEN_ENV
from sigap.people.models import Role, User
from sigap.platforms.models import Account
from sigap.recaps.actions import recap_archive, recap_create

PASSWORD = "sigap-demo-2026"

USERS = [
    # username, role, agency code, full name
    ("admin", Role.ADMIN, None, "Admin Diskominfo SP"),
    ("operator", Role.PROCESSOR, None, "Sri Wahyuni"),
    ("penelaah", Role.REVIEWER, None, "Bambang Setiawan"),
    ("dishub", Role.LIAISON, "DISHUB", "Admin Dishub"),
    ("dlh", Role.LIAISON, "DLH", "Admin DLH"),
    ("dpupr", Role.LIAISON, "DPUPR", "Admin DPUPR"),
    ("supervisor", Role.SUPERVISOR, None, "Kepala Bidang E-Gov"),
]

# Written for the demo: the kinds of complaint Solo's accounts receive.
SAMPLES = [
    ("instagram", "wargabanjarsari", "Lampu PJU di Jl. Kapten Mulyadi depan gang 5 mati sudah seminggu, gelap sekali kalau malam.",
     "Penerangan Jalan Umum", ("Pasar Kliwon", "Kedung Lumbu")),
    ("x", "budi_slo", "Sampah di TPS Jebres belum diangkut 3 hari, bau sampai ke rumah warga. Mohon segera ditindaklanjuti.",
     "Lingkungan Hidup", ("Jebres", "Jebres")),
    ("facebook", "Rina Kusuma", "Jalan berlubang di Jl. Ahmad Yani dekat Manahan, sudah ada pengendara motor jatuh kemarin.",
     "Jalan dan Drainase", ("Banjarsari", "Manahan")),
    ("whatsapp", "", "Parkir liar di depan Pasar Gede bikin macet tiap sore, juru parkir minta tarif 5 ribu.",
     "Perparkiran", ("Jebres", "Sudiroprajan")),
    ("tiktok", "solo.kulinerku", "Saluran air di Kelurahan Penumping mampet, kalau hujan air masuk ke rumah.",
     "Jalan dan Drainase", ("Laweyan", "Penumping")),
    ("instagram", "ibu_ani_solo", "Bantuan sosial PKH ibu saya belum cair sejak bulan lalu, padahal sudah terdaftar.",
     "Bantuan Sosial", ("Serengan", "Danukusuman")),
    ("youtube", "Agus Pramono", "Traffic light di simpang Panggung mati sejak pagi, rawan kecelakaan.",
     "Perhubungan", ("Jebres", "Jebres")),
    ("x", "mbak_tika", "Pohon tumbang menutup trotoar di Jl. Slamet Riyadi dekat Gladak, belum ada petugas.",
     "Lingkungan Hidup", ("Pasar Kliwon", "Kedung Lumbu")),
]


class Command(BaseCommand):
    help = "Add demo users and sample complaints at every SOP step (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        users = {name: self._user(name, role, code, full) for name, role, code, full in USERS}
        self._accounts()
        if Complaint.objects.exists():
            self.stdout.write("Demo complaints exist already; users and accounts checked.")
            return
        self._complaints(users)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Every demo user's password is {PASSWORD}"))

    def _user(self, username, role, code, full_name) -> User:
        agency = None
        if code:
            agency = Agency.objects.filter(code=code).first()
            if agency is None:
                raise CommandError(f"agency {code} is missing: run `sigap migrate` first")
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"role": role, "agency": agency, "first_name": full_name, "email": f"{username}@example.test"},
        )
        if created:
            user.set_password(PASSWORD)
            user.is_staff = user.is_superuser = role == Role.ADMIN
            user.save()
        return user

    def _accounts(self) -> None:
        """One account per platform, the ones `sigap fakeplatform` plays; `sigap run` sets their tokens."""
        for platform, account in CITY_ACCOUNTS.items():
            Account.objects.get_or_create(
                platform=platform,
                external_id=account["id"],
                defaults={
                    "name": account["name"],
                    "handle": account["handle"],
                    "token_env": TOKEN_ENV[platform],
                    "poll_interval": DEMO_POLL_INTERVALS.get(platform, 0),
                },
            )

    def _complaints(self, users) -> None:
        op, rev = users["operator"], users["penelaah"]
        now = timezone.now()
        made = []
        for i, (platform, handle, text, category_name, (kec, kel)) in enumerate(SAMPLES):
            category = Category.objects.get(name=category_name)
            made.append(
                actions.complaint_receive(
                    by=op,
                    platform=platform,
                    text=text,
                    posted_at=now - timedelta(hours=30 - 3 * i),
                    permalink=f"https://example.test/{platform}/post/{1000 + i}",
                    handle=handle,
                    name=handle.replace("_", " ").title(),
                    category=category,
                    kelurahan=Kelurahan.objects.filter(kecamatan=kec, name=kel).first(),
                )
            )
        # Walk them to different steps so every queue has something in it.
        for c in made[:7]:
            actions.complaint_register(complaint=c, by=op, ack_via=c.get_platform_display())
        for c in made[:6]:
            agency = c.category.usual_agency or Agency.objects.get(code="DPUPR")
            actions.complaint_forward(complaint=c, by=rev, agency=agency)
        liaison_of = {u.agency_id: u for u in users.values() if u.role == Role.LIAISON}
        for c in made[:4]:
            by = liaison_of.get(c.agency_id, rev)
            actions.complaint_answer(
                complaint=c, by=by, text="Terima kasih atas laporannya. Petugas sudah kami terjunkan dan akan ditangani hari ini."
            )
        for c in made[:3]:
            actions.answer_approve(complaint=c, by=rev)
        for c in made[:2]:
            actions.complaint_post_answer(complaint=c, by=op, link=f"{c.permalink}#reply")
        recap = recap_create(by=op, period_start=now - timedelta(days=7), period_end=timezone.now())
        recap_archive(recap=recap, by=rev, reference="ARSIP/DEMO/1")
