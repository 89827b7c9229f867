"""A few polite replies and answers to common questions, in Indonesian and Javanese.

Administrators edit them under Settings → Reply templates. None names a person, a number or a
link: they go out under public comments, and X refuses links in replies sent by API.
"""

from django.db import migrations

GREETINGS = [
    ("Sapaan umum", "id", "",
     "Halo, terima kasih sudah menghubungi Pemerintah Kota Surakarta 🙏 Bila ada aduan, silakan tuliskan "
     "masalahnya beserta lokasinya (jalan, RT/RW, kelurahan), kami bantu teruskan ke OPD terkait."),
    ("Ucapan terima kasih", "id", "terima kasih\nmakasih\nmantap\nkeren\nsemangat\napresiasi\ngood job\nhebat",
     "Sama-sama, terima kasih atas dukungannya 🙏 Pemerintah Kota Surakarta terus berbenah untuk warga."),
    ("Cek DM", "id", "cek dm\ncek inbox\ndm",
     "Baik, pesan langsung (DM) Anda segera kami cek. Terima kasih sudah menunggu 🙏"),
    ("Salam", "id", "selamat pagi\nselamat siang\nselamat sore\nselamat malam\nhalo\nhai",
     "Halo, selamat datang di layanan aduan Pemerintah Kota Surakarta 🙏 Ada yang bisa kami bantu?"),
    ("Salam (assalamualaikum)", "id", "assalamualaikum",
     "Waalaikumsalam 🙏 Ada yang bisa kami bantu? Aduan bisa disampaikan di sini beserta lokasinya."),
    ("Matur nuwun (Jawa)", "jv", "terima kasih\nmatur nuwun\nsuwun",
     "Sami-sami, matur nuwun sanget 🙏 Pemerintah Kota Surakarta tansah ngupaya paring pelayanan ingkang sae "
     "kangge warga."),
    ("Sugeng (Jawa)", "jv", "sugeng\nselamat pagi\nselamat siang\nselamat sore\nselamat malam",
     "Sugeng rawuh wonten layanan aduan Pemerintah Kota Surakarta 🙏 Menawi wonten aduan, mangga dipun "
     "aturaken masalah lan papanipun, badhe kula terusaken dhateng OPD ingkang gayut."),
]
QUESTIONS = [
    ("Cara menyampaikan aduan", "id",
     "cara lapor\nlapor lewat\nmau lapor\ncara aduan\ncara mengadu\nlapor kemana\nlapor ke mana\ncara melapor",
     "Aduan bisa langsung disampaikan di sini: tuliskan masalahnya, lokasinya (jalan, RT/RW, kelurahan) dan "
     "sejak kapan. Kami akan mengirimkan nomor lacak untuk memantau perkembangannya."),
    ("Nomor lacak", "id", "nomor lacak\ncek aduan\nstatus aduan\nperkembangan aduan\nlacak aduan",
     "Perkembangan aduan bisa dipantau di halaman lacak aduan Pemerintah Kota Surakarta dengan nomor lacak "
     "yang kami kirim saat aduan diterima."),
    ("Dokumen kependudukan", "id", "kartu keluarga\nkk\nktp\nakta\nakta kelahiran\nkia\ndispendukcapil",
     "Layanan KTP-el, KK, akta dan KIA diurus di Dinas Kependudukan dan Pencatatan Sipil (Dispendukcapil) "
     "Kota Surakarta atau di Mal Pelayanan Publik; persyaratan terbarunya bisa ditanyakan langsung di sana. "
     "Bila ada kendala dalam pelayanannya, silakan sampaikan di sini sebagai aduan."),
    ("Pajak daerah", "id", "pbb\npajak bumi\nbayar pajak\npajak daerah",
     "Informasi pembayaran PBB dan pajak daerah lainnya tersedia di Badan Pendapatan Daerah (Bapenda) Kota "
     "Surakarta. Bila ada kendala dalam pembayarannya, silakan sampaikan di sini."),
    ("Cara lapor (Jawa)", "jv", "carane lapor\npripun lapor\nlapor pripun\nngadu pripun",
     "Aduan saged dipun aturaken wonten mriki: mangga dipun serat masalahipun, papanipun (dalan, RT/RW, "
     "kelurahan) lan wiwit kapan. Kula badhe ngintun nomer lacak kangge mantau perkembanganipun."),
]


def seed(apps, schema_editor):
    ReplyTemplate = apps.get_model("triage", "ReplyTemplate")
    if ReplyTemplate.objects.exists():
        return
    for kind, rows in (("greeting", GREETINGS), ("question", QUESTIONS)):
        for name, language, keywords, text in rows:
            ReplyTemplate.objects.create(kind=kind, name=name, language=language, keywords=keywords, text=text)


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
