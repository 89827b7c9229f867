"""What the simulated citizens write: templates and slot values written for Sigap, in the informal
Indonesian (with some Javanese and slang) that reaches a city's accounts.

Places come from Sigap's own kelurahan list (sigap/agencies/data/wilayah.csv) and from the streets
and landmarks of shared/reference/surakarta.md §3.4. Nothing here is copied from real posts.
"""

import csv
import random
from functools import cache
from pathlib import Path

WILAYAH = Path(__file__).resolve().parent.parent / "agencies" / "data" / "wilayah.csv"

STREETS = [
    "Jl. Slamet Riyadi",
    "Jl. Jenderal Sudirman",
    "Jl. Mayor Kusmanto",
    "Jl. Kapten Mulyadi",
    "Jl. Veteran",
    "Jl. Yos Sudarso",
    "Jl. Pakoe Boewono",
    "Jl. Supit Urang",
    "Jl. Kyai Mojo",
    "Jl. Ir. Sutami",
    "Jl. Tentara Pelajar",
    "Jl. Brigjen Katamso",
    "Jl. Ahmad Yani",
    "Jl. Letjen Suprapto",
    "Jl. Ki Mangun Sarkoro",
    "Jl. Kolonel Sutarto",
    "Jl. Urip Sumoharjo",
    "Jl. Wolter Monginsidi",
    "Jl. Dr. Radjiman",
    "Jl. Bhayangkara",
    "Jl. Honggowongso",
    "Jl. Gatot Subroto",
    "Jl. Hasanuddin",
    "Jl. Teuku Umar",
    "Jl. Ronggowarsito",
    "Jl. Gajah Mada",
]
LANDMARKS = [
    "Manahan",
    "Gendengan",
    "Purwosari",
    "Sriwedari",
    "Pasar Gede",
    "Pasar Klewer",
    "Pasar Legi",
    "Terminal Tirtonadi",
    "Stasiun Solo Balapan",
    "Balai Kota",
    "Jembatan Jurug",
    "Gladag",
    "Sangkrah",
    "Nonongan",
    "Pura Mangkunegaran",
    "Mal Pelayanan Publik",
]
JUNCTIONS = [
    "simpang Baturono",
    "perempatan Gladag",
    "perempatan Panggung",
    "perempatan Purwosari",
    "perempatan Gendengan",
    "simpang Manahan",
    "perempatan Nonongan",
    "simpang Sangkrah",
]
MARKETS = ["Pasar Gede", "Pasar Klewer", "Pasar Legi", "Pasar Jongke"]
SINCE = ["seminggu", "3 hari", "2 minggu", "hampir sebulan", "4 hari", "dari Senin", "2 hari"]
WHEN = ["tadi pagi", "semalam", "kemarin sore", "subuh tadi", "jam 5 sore tadi"]

FIRST_NAMES = [
    "Sri",
    "Wahyu",
    "Budi",
    "Agus",
    "Dwi",
    "Tri",
    "Eko",
    "Joko",
    "Siti",
    "Rina",
    "Dewi",
    "Ani",
    "Bambang",
    "Slamet",
    "Suparman",
    "Sutarno",
    "Yuni",
    "Endang",
    "Fajar",
    "Rizky",
    "Dimas",
    "Aditya",
    "Putri",
    "Nadia",
    "Ayu",
    "Bagas",
    "Galih",
    "Rahmat",
    "Wulan",
    "Indah",
    "Hendra",
    "Sari",
    "Tika",
    "Yoga",
    "Bayu",
    "Lestari",
    "Kurnia",
    "Anton",
]
LAST_NAMES = [
    "Santoso",
    "Wibowo",
    "Saputra",
    "Purnomo",
    "Hartono",
    "Setiawan",
    "Lestari",
    "Handayani",
    "Pratama",
    "Nugroho",
    "Kurniawan",
    "Susanti",
    "Wijaya",
    "Rahayu",
    "Prasetyo",
    "Sulistyo",
    "Hidayat",
    "Utami",
    "",
    "",
]

# Complaints, by the kind of problem (the kinds Solo's accounts receive most).
COMPLAINTS = {
    "penerangan jalan": [
        "lampu PJU di {street} depan {landmark} mati udah {since}, malem gelap banget rawan jambret",
        "Lampu jalan di gang RT {rt} Kel. {kel} mati {since}, anak-anak pulang ngaji pada takut lewat",
        "PJU sepanjang {street} byarpet, kadang nyala kadang mati. Mohon dicek",
        "Lampune dalan ning {street} mati kabeh, peteng ndedet yen bengi",
    ],
    "jalan rusak": [
        "Jalan berlubang di {street} deket {landmark}, lubange jero, kemarin ada motor jatuh",
        "aspal di {street} ngelupas parah habis hujan, mohon segera ditambal",
        "Ada lubang gede di tengah {street} arah {landmark}, bahaya kalau malam ga keliatan",
    ],
    "sampah": [
        "Sampah di TPS Kel. {kel} belum diangkut {since}, baunya sampai rumah warga",
        "banyak yang buang sampah sembarangan di pinggir {street}, numpuk sampai ke badan jalan",
        "Tumpukan sampah di dekat {landmark} udah {since} ga diangkut, lalat di mana-mana",
    ],
    "drainase dan banjir": [
        "Got di Kel. {kel} mampet, tiap hujan air naik ke jalan sampai masuk rumah",
        "Semalem banjir lagi di {street} setinggi lutut, saluran airnya penuh sampah",
        "Saluran drainase di RT {rt}/RW {rw} Kel. {kel} ambrol, mohon diperbaiki sebelum musim hujan",
    ],
    "parkir liar": [
        "Parkir liar di depan {landmark} bikin macet tiap sore, jukirnya narik 5rb",
        "Mobil parkir di trotoar {street} seenaknya, pejalan kaki harus turun ke jalan",
        "jukir di {market} minta 5 ribu buat motor, katanya tarif resmi cuma 2 ribu?",
    ],
    "lampu lalu lintas": [
        "Bangjo di {junction} mati sejak {when}, rawan tabrakan",
        "Lampu merah di {junction} nyala kuning terus, pengendara pada bingung",
        "Traffic light {junction} hijaunya kecepetan, antrean sampai {street}",
    ],
    "bantuan sosial": [
        "Bansos PKH ibu saya belum cair {since}, padahal terdaftar DTKS. Domisili Kel. {kel}",
        "Kenapa nama saya dicoret dari penerima BPNT? Kondisi ekonomi belum berubah. Warga Kel. {kel}",
        "Bantuan sembako di RW {rw} Kel. {kel} kok ga merata, yang mampu malah dapet",
    ],
    "layanan kesehatan": [
        "Antrean di Puskesmas {kel} lama banget, dari jam 7 baru dilayani jam 11",
        "Ambulans di Kec. {kec} ditelpon ga diangkat-angkat, pasien sampai diantar pakai motor",
        "Pelayanan BPJS di rumah sakit kok dipersulit, disuruh bolak-balik ngurus rujukan",
    ],
    "air PDAM": [
        "Air PDAM di Kel. {kel} mati {since}, ga ada pemberitahuan sama sekali",
        "Air PDAM keruh dan bau di daerah {street}, ga bisa dipakai masak",
        "Pipa PDAM bocor di {street} depan {landmark}, airnya muncrat ke jalan {since}",
    ],
    "kebisingan": [
        "Tetangga karaokean sampai jam 2 pagi tiap malam minggu di Kel. {kel}, warga terganggu",
        "Bengkel di {street} kerja sampai tengah malam, suara las-lasan ganggu banget",
        "Knalpot brong kebut-kebutan tiap malem di {street}, mohon ditertibkan",
    ],
    "pohon tumbang": [
        "Pohon tumbang di {street} nutup separuh jalan, belum ada petugas",
        "Pohon besar di depan {landmark} dahannya udah miring, takut ambruk kena angin",
        "Ranting pohon di {street} nyangkut kabel listrik, bahaya",
    ],
    "hewan liar": [
        "Banyak anjing liar di sekitar {landmark}, anak-anak takut berangkat sekolah",
        "Ada ular masuk rumah warga di Kel. {kel}, mohon bantuan damkar",
        "Bangkai kucing di tengah {street} udah 2 hari belum ada yang ngambil",
    ],
    "ketertiban pasar": [
        "PKL di {market} makan badan jalan, pembeli susah lewat",
        "Atap los di {market} bocor, dagangan basah tiap hujan",
        "Parkiran {market} semrawut, bongkar muat di tengah jalan",
    ],
    "administrasi kependudukan": [
        "Udah {since} KTP-el saya belum jadi, katanya blangko habis terus",
        "Antrean online Dispendukcapil penuh terus, susah banget daftar buat ganti KK",
    ],
    "fasilitas umum": [
        "Trotoar di {street} rusak, paving lepas, bahaya buat lansia",
        "Halte di {street} atapnya bolong dan kotor, ga layak dipakai",
    ],
}
QUESTIONS = [
    "Min, CFD Slamet Riyadi minggu ini ada ga?",
    "Syarat bikin KK baru apa aja ya min?",
    "Jam buka Mal Pelayanan Publik hari Sabtu sampai jam berapa?",
    "Kapan jadwal pendaftaran SD negeri tahun ini min?",
    "Bayar PBB sekarang bisa lewat mana aja min?",
    "Kalau mau lapor jalan rusak lewat mana ya?",
    "Jadwal pengambilan sampah di Kel. {kel} hari apa aja?",
    "Syarat pengajuan KIS PBI apa saja? Ke kelurahan dulu atau langsung dinsos?",
    "Puskesmas {kel} buka hari Minggu ga?",
    "Info lowongan kerja dari disnaker ada ga min?",
    "Cara daftar UMKM binaan gimana min?",
    "Izin keramaian buat hajatan ngurusnya ke mana ya?",
    "Mau tanya, tarif retribusi parkir resmi di {market} berapa?",
    "Nuwun sewu, pendaftaran beasiswa kota dibuka kapan nggih?",
    "Min, akta kelahiran bisa diurus online ga?",
]
GREETINGS = [
    "Selamat pagi min 🙏",
    "Sugeng enjing pak wali",
    "Matur nuwun pak wali, jalan di {street} sudah mulus 👍",
    "Terima kasih responnya cepat min",
    "Mantap pemkot! Lampu di {street} udah nyala lagi",
    "Semangat terus Pemkot Solo 💪",
    "min cek dm",
    "cek dm min 🙏",
    "Min tolong cek DM ya, udah kirim dari kemarin",
    "Assalamualaikum min",
    "Suwun sanget min",
    "Keren, sampah di TPS Kel. {kel} udah diangkut. Terima kasih",
    "Halo min, selamat siang",
    "Salam dari warga {kec} 🙏",
    "Good job pemkot 👏",
]
OTHER = [
    "Jual kaos distro murah kualitas premium, cek IG kami ya kak 🔥",
    "Pinjaman dana cepat cair tanpa jaminan, hubungi WA 08xx-xxxx-xxxx",
    "Follow back dong kak",
    "Promo nasi liwet diskon 20%, pesan sekarang!",
    "Dapatkan saldo gratis, klik link di bio!",
    "Open endorse kak, DM for price",
    "Solo makin keren 😍",
    "wkwkwk",
    "Ada yang tau timlo enak deket {market}?",
    "Kapan ada pertandingan di Manahan lagi?",
    "Kangen Solo, lagi merantau di Jakarta",
    "Fotonya bagus min 📸",
    "Rame banget tadi di {landmark}",
    "first!",
    "Yang tau jadwal karnaval tahun ini share dong",
]
FOLLOW_UPS = [
    "Gimana min kelanjutannya? Udah {n} hari belum ada tindakan",
    "Ini lokasinya tepat di depan {landmark} ya min",
    "Update: makin parah, tolong segera",
    "Ini fotonya min",
    "Matur nuwun sudah direspon 🙏",
    "Nomor lacaknya sudah saya catat, terima kasih",
    "Sampai sekarang belum ada petugas yang datang",
    "Tambahan info: kejadiannya tiap sore jam 4-an",
]
EDITS = ["\n\nEdit: maksud saya di Kel. {kel}", "\n\nEdit: tepatnya dekat {landmark}", " (lokasi: {street})"]

OPENERS = [
    "",
    "",
    "",
    "",
    "Min, ",
    "Pak, ",
    "Mas admin, ",
    "Permisi min, ",
    "Nuwun sewu, ",
    "Assalamualaikum. ",
    "Lapor min, ",
    "Punten, ",
    "Pak Wali, ",
]
CLOSERS = [
    "",
    "",
    "",
    " Mohon ditindaklanjuti 🙏",
    " Tolong segera nggih.",
    " Matur nuwun.",
    " Suwun min 🙏",
    " Gek ndang didandani.",
    " Piye iki min?",
    " Terima kasih.",
    " 😡",
    " Mohon perhatiannya.",
]
# Written shortcuts people use; applied to some messages.
SLANG = {"sudah": "udah", "tidak": "gak", "yang": "yg", "banget": "bgt", "dengan": "dgn", "kalau": "kalo"}


@cache
def wilayah() -> list[tuple[str, str]]:
    with WILAYAH.open(newline="", encoding="utf-8") as f:
        return [(row["kecamatan"], row["kelurahan"]) for row in csv.DictReader(f)]


def slots(rng: random.Random, kecamatan: str, kelurahan: str) -> dict:
    return {
        "street": rng.choice(STREETS),
        "landmark": rng.choice(LANDMARKS),
        "junction": rng.choice(JUNCTIONS),
        "market": rng.choice(MARKETS),
        "since": rng.choice(SINCE),
        "when": rng.choice(WHEN),
        "kel": kelurahan,
        "kec": kecamatan,
        "rt": f"{rng.randint(1, 12):02d}",
        "rw": f"{rng.randint(1, 9):02d}",
        "n": rng.randint(2, 9),
    }


def complaint(rng: random.Random, values: dict) -> tuple[str, str]:
    topic = rng.choice(sorted(COMPLAINTS))
    text = rng.choice(OPENERS) + rng.choice(COMPLAINTS[topic]).format(**values) + rng.choice(CLOSERS)
    return topic, casual(rng, text)


def pick(rng: random.Random, templates: list[str], values: dict) -> str:
    return casual(rng, rng.choice(templates).format(**values))


def casual(rng: random.Random, text: str) -> str:
    """Some people type in shortcuts, some all in lower case."""
    if rng.random() < 0.3:
        text = " ".join(SLANG.get(word, word) if rng.random() < 0.6 else word for word in text.split(" "))
    if rng.random() < 0.15:
        text = text.lower()
    return text[:1].upper() + text[1:] if text[:1].isalpha() and rng.random() < 0.8 else text


def whatsapp_opener(rng: random.Random, first: str, kelurahan: str) -> str:
    # WhatsApp complaints tend to introduce the sender, like a letter.
    daytime = rng.choice(["pagi", "siang", "sore", "malam"])
    return rng.choice([f"Selamat {daytime} pak/bu, saya {first} warga Kel. {kelurahan}. ", "Lapor, ", "", ""])
