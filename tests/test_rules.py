"""The generic Indonesian rules: boilerplate lines go, sentences that mention the words stay."""

import pytest

from crawler.extract.lines import clean_lines
from crawler.rules import RulesError, generic_rules, rules_from_data

BOILERPLATE = {
    "teaser": [
        "Baca juga: Zelensky Yakin Pasukan Korea Utara Dilibatkan",
        "Baca Juga : Harga Emas Hari Ini",
        "BACA JUGA:Jokowi Resmikan Tol",
        "Simak juga: Video Banjir Jakarta",
        "Lihat juga: Daftar Pemenang",
        "Baca selengkapnya di sini",
        "Baca berita selengkapnya di sini",
        "Halaman selanjutnya",
        "Simak Video Trump: Kita Mencapai Kemenangan",
        "[Gambas:Video 20detik]",
        "Yuk, Simak Juga Video ini!",
        "Read also: Suspect caught",
        "Harga Emas Antam Naik Lagi Hari Ini 3 jam lalu",
        "Tonton video selengkapnya di sini",
    ],
    "related-heading": ["baca juga", "Berita Terkait", "BERITA LAINNYA", "JANGAN LEWATKAN!!!", "Rekomendasi"],
    "byline-label": ["Penulis:", "Editor :"],
    "syndication": [
        'Artikel ini telah tayang di Kompas.com dengan judul "Harga Beras Naik"',
        "Artikel ini sudah tayang di Tribunnews.com dengan judul Gempa Guncang Garut",
        "Versi cetak artikel ini terbit di harian Kompas edisi 1 Mei 2024",
    ],
    "call-to-action": [
        "Di saat situasi tidak menentu, Kompas.com tetap berkomitmen memberikan fakta jernih dari lapangan.",
        "Ikuti berita terkini dari Kompas.com di Google News",
        "Gabung ke Channel WhatsApp Kompas.com untuk update berita terbaru",
        "Cek berita dan artikel yg lain di Google News dan ikuti WhatsApp channel mediaindonesia.com",
        "Download aplikasi Kompas.com untuk berita lebih cepat",
        "Download Aplikasinya",
        "Unduh aplikasi detikcom di sini",
        "Follow Berita Okezone di Google News",
        "Dapatkan update berita pilihan setiap hari. Mari bergabung di Grup Telegram",
        "Kirim tulisan opini Anda ke redaksi melalui email opini@contoh.id",
        "Baca berita tanpa iklan dengan berlangganan",
    ],
    "advertisement": ["ADVERTISEMENT", "SCROLL TO CONTINUE WITH CONTENT", "Advertisement", "[post_ads]"],
    "copyright": [
        "Copyright © 2024 KOMPAS.com",
        "COPYRIGHT © ANTARA 2015",
        "© 2007 - 2015 okezone.com, All Rights Reserved",
        "Copyright @ 2025 Media Group - mediaindonesia. All Rights Reserved",
        "Dilarang mengambil dan/atau menayangkan ulang sebagian atau keseluruhan artikel ini",
    ],
    "byline": ["Penulis : Anju Christian", "| Editor | : Jalu Wisnu Wirajati |", "Redaktur & Reporter : Boy"],
    "editor-code": ["(rdp/fas)", "(OL-6)", "(fru)"],
    "dateline": [
        "Kompas.com - 02/02/2023, 07:54 WIB",
        "5 menit baca",
        "Kamis, 05/11/2015 09:25 WIB Judul Lain",
    ],
    "caption": ["(Foto: Dok. Humas Polri)", "ANTARA FOTO/Galih Pradipta", "Ket Foto : Suasana rapat"],
    "comments": ["Laporkan Komentar", "Tinggalkan Balasan", "Bagaimana tanggapan Anda mengenai berita ini?"],
    "interface": ["Bagikan", "Tags:", "|", "-->", "Memuat data..."],
}

SENTENCES = [
    "Presiden meminta warga membaca juga aturan yang baru terbit sebelum mengurus izin.",
    "Ia mengatakan, artikel ini telah tayang di banyak media asing sejak pekan lalu.",
    "Polisi mengikuti percakapan para tersangka di grup WhatsApp selama dua bulan.",
    "Menurut dia, hak cipta lagu itu masih dipegang oleh label rekaman.",
    "Foto itu diambil saat banjir melanda Jakarta pada Senin pagi.",
    "Video tersebut viral di media sosial dan ditonton jutaan kali.",
    '"Saya tidak tahu," ujarnya.',
    "1. Siapkan dokumen kependudukan.",
    "Video yang beredar memperlihatkan antrean panjang di SPBU.",
    "Lihat saja data BPS tahun lalu, jumlah penduduk miskin turun.",
    "Ia tiba di Jakarta 3 hari lalu.",
    "Sumber dana proyek itu berasal dari APBN dan pinjaman luar negeri.",
    "Download aplikasi Zoom dari Play Store atau App Store terlebih dahulu.",
    "Cek kesehatan bisa dilakukan melalui aplikasi SatuSehat di ponsel.",
    "Pelanggan bisa berlangganan sekarang dengan harga Rp 50.000 per bulan.",
]


@pytest.mark.parametrize(
    ("rule", "line"), [(rule, line) for rule, lines in BOILERPLATE.items() for line in lines]
)
def test_boilerplate_line_is_dropped_with_its_rule(rule, line):
    kept, dropped = clean_lines(f"Paragraf pertama berita ini cukup panjang.\n{line}", generic_rules())
    assert kept == ["Paragraf pertama berita ini cukup panjang."]
    assert [d.rule for d in dropped] == [rule]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_body_sentence_mentioning_the_words_stays(sentence):
    kept, dropped = clean_lines(sentence, generic_rules())
    assert kept == [sentence]
    assert dropped == []


def test_editor_code_ending_a_paragraph_is_cut_and_the_paragraph_kept():
    kept, _ = clean_lines("Polisi masih menyelidiki kasus itu. (rdp/fas)", generic_rules())
    assert kept == ["Polisi masih menyelidiki kasus itu."]


def test_headline_after_a_dated_line_is_a_related_list_item():
    text = (
        "Isi berita yang sebenarnya.\nSelasa, 20/10/2015 13:51 WIB\nEmail Pribadi Direktur CIA Dibobol Remaja"
    )
    kept, dropped = clean_lines(text, generic_rules())
    assert kept == ["Isi berita yang sebenarnya."]
    assert [d.rule for d in dropped] == ["dateline", "related-headline"]


def test_bare_heading_takes_the_headline_list_after_it_and_stops_at_prose():
    text = (
        "Paragraf pertama berita.\nBerita Terkait\nHarga Cabai Naik Jelang Lebaran\n"
        "Banjir Rendam Tiga Kecamatan\nWarga diminta tetap waspada, kata dia."
    )
    kept, dropped = clean_lines(text, generic_rules())
    assert kept == ["Paragraf pertama berita.", "Warga diminta tetap waspada, kata dia."]
    assert [d.rule for d in dropped] == ["related-heading", "related-headline", "related-headline"]


def test_a_real_list_after_a_full_teaser_line_stays():
    text = "Baca juga: Cara Membuat SIM Baru\nSyarat yang perlu disiapkan:\nFotokopi KTP\nPas foto 3x4"
    kept, _ = clean_lines(text, generic_rules())
    assert kept == ["Syarat yang perlu disiapkan:", "Fotokopi KTP", "Pas foto 3x4"]


def test_byline_over_two_lines_goes_whole():
    kept, dropped = clean_lines("Isi berita.\nPenulis:\nAnju Christian\nEditor:\nJalu Wisnu", generic_rules())
    assert kept == ["Isi berita."]
    assert [d.rule for d in dropped] == ["byline-label", "byline", "byline-label", "byline"]


def test_rules_file_with_a_bad_pattern_names_the_rule():
    with pytest.raises(RulesError, match=r"lines\[0\] \(teaser\): bad pattern"):
        rules_from_data({"version": "1", "lines": [{"rule": "teaser", "patterns": ["(unclosed"]}]}, "x.toml")


def test_rules_file_needs_a_version():
    with pytest.raises(RulesError, match="version"):
        rules_from_data({"lines": []}, "x.toml")
