"""The Kompas article that started Bersih comes out exactly as its clean text."""

from html import escape

from conftest import ROOT

from crawler.extract import extract

SEED = ROOT / "tests" / "data" / "seed"


def test_seed_article_is_cleaned_paragraph_for_paragraph():
    lines = (SEED / "kompas-zelensky-brussels.txt").read_text(encoding="utf-8").splitlines()
    expected = (SEED / "kompas-zelensky-brussels.clean.txt").read_text(encoding="utf-8").strip()
    page = (
        "<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'>"
        "<title>Zelensky Cari Bantuan di Brussels - Kompas.com</title></head><body><article>"
        + "".join(f"<p>{escape(line)}</p>" for line in lines if line.strip())
        + "</article></body></html>"
    )
    record = extract(page, url="https://internasional.kompas.com/read/2024/12/19/120000070/zelensky")
    assert record is not None
    assert record["text"].split("\n") == expected.split("\n")
    assert "Baca juga" not in record["text"]
    assert "Di saat situasi tidak menentu" not in record["text"]


def test_seed_in_todays_kompas_layout_loses_every_site_block():
    """The seed's paragraphs inside the markup Kompas serves today: the profile's rules must bite."""
    lines = [x for x in (SEED / "kompas-zelensky-brussels.txt").read_text(encoding="utf-8").splitlines() if x]
    expected = (SEED / "kompas-zelensky-brussels.clean.txt").read_text(encoding="utf-8").strip()
    body = []
    for line in lines:
        if line.startswith("Baca juga: "):
            title = escape(line.removeprefix("Baca juga: "))
            body.append(
                f'<p><strong>Baca juga: </strong><a class="inner-link-baca-juga" href="https://'
                f'internasional.kompas.com/read/2024/12/18/1/x">{title}</a></p>'
            )
        else:
            body.append(f"<p>{escape(line)}</p>")
        if len(body) == 3:
            body.append('<div class="ads-on-body"><div id="div-gpt-ad-1">ADVERTISEMENT</div></div>')
            body.append('<div class="kompasidRec"><p>Artikel Kompas.id</p><p>Harga Beras Naik Lagi</p></div>')
    page = (
        "<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'>"
        "<title>Zelensky Cari Bantuan di Brussels</title></head><body>"
        "<div class='read__content'><div class='clearfix'>" + "".join(body) + "</div>"
        "<div class='read__paging'><a href='?page=2'>Halaman 2</a> <a href='?page=all'>Show All</a></div>"
        "<p>Simak breaking news dan berita pilihan kami langsung di ponselmu. Pilih saluran andalanmu "
        "akses berita Kompas.com WhatsApp Channel : https://www.whatsapp.com/channel/0029VaFPbedBPzjZrk13HO3D."
        "</p><p>Pastikan kamu sudah install aplikasi WhatsApp ya.</p>"
        "<div class='gate-kgplus'><p>Dapatkan akses penuh dengan KG Plus. Berlangganan sekarang!</p></div>"
        "</div></body></html>"
    )
    record = extract(page, url="https://internasional.kompas.com/read/2024/12/19/120000070/zelensky?page=all")
    assert record["url"] == "https://internasional.kompas.com/read/2024/12/19/120000070/zelensky"
    assert record["text"].split("\n") == expected.split("\n")
