"""Tests for civdesk.extract on the fixture corpus and on files made here."""
from __future__ import annotations

import shutil
import struct
import zlib
from datetime import date, datetime
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from civdesk.extract import extract, identify, make_thumbnail
from civdesk.extract.quality import hamming, jpeg_quality

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures"
PHOTOS = FIXTURES / "corpus" / "photos"
PDFS = FIXTURES / "corpus" / "pdf"


# --- photos from the corpus ---------------------------------------------------

@pytest.mark.parametrize("photo", sorted(p.name for p in PHOTOS.iterdir()))
def test_every_corpus_photo_extracts(photo: str, tmp_path: Path) -> None:
    thumb = tmp_path / "t.jpg"
    result = extract(PHOTOS / photo, photo, thumb)
    assert result.kind in ("jpeg", "heic")
    assert result.width and result.height
    assert result.thumbnail and thumb.exists()
    assert result.phash and len(result.phash) == 16
    assert result.blur is not None and result.blur > 0
    if "corrupted" not in photo:
        assert result.error is None, result.error
    with Image.open(thumb) as im:
        assert max(im.size) <= 256


@pytest.mark.parametrize("photo, taken, camera", [
    ("jpg__Canon_40D.jpg", datetime(2008, 5, 30, 15, 56, 1), "Canon EOS 40D"),
    ("jpg__Nikon_D70.jpg", datetime(2008, 3, 15, 9, 52, 1), "NIKON D70"),
    ("jpg__Fujifilm_FinePix_E500.jpg", datetime(2006, 8, 17, 9, 24, 48), "FinePix E500"),
    ("jpg__gps__DSCN0010.jpg", datetime(2008, 10, 22, 16, 28, 39), "NIKON COOLPIX P6000"),
])
def test_exif_date_and_camera(photo: str, taken: datetime, camera: str) -> None:
    result = extract(PHOTOS / photo, photo)
    assert result.taken_at == taken
    assert (result.date, result.date_source) == (taken.date(), "exif")
    assert result.camera is not None and camera in result.camera


@pytest.mark.parametrize("photo", ["jpg__gps__DSCN0010.jpg", "jpg__gps__DSCN0012.jpg", "jpg__gps__DSCN0021.jpg"])
def test_gps_in_decimal_degrees(photo: str) -> None:
    lat, lon = extract(PHOTOS / photo, photo).gps
    assert lat == pytest.approx(43.467, abs=0.001)
    assert lon == pytest.approx(11.885, abs=0.001)


def test_photo_without_gps_has_none() -> None:
    assert extract(PHOTOS / "jpg__Canon_40D.jpg", "a.jpg").gps is None


def test_heic_size_date_gps_and_thumbnail(tmp_path: Path) -> None:
    result = extract(PHOTOS / "heic__IMG_5195.HEIC", "IMG_5195.HEIC", tmp_path / "h.jpg")
    assert (result.kind, result.mime) == ("heic", "image/heic")
    assert (result.width, result.height) == (2566, 3313)
    assert result.taken_at == datetime(2021, 4, 11, 15, 47, 53)
    assert result.camera == "Apple iPhone 11 Pro Max"
    lat, lon = result.gps
    assert lat == pytest.approx(39.051, abs=0.001) and lon == pytest.approx(-94.289, abs=0.001)
    with Image.open(tmp_path / "h.jpg") as im:
        assert im.height == 256 and im.width < im.height


def test_corrupted_jpeg_gets_a_chinese_reason(tmp_path: Path) -> None:
    result = extract(PHOTOS / "jpg__corrupted.jpg", "corrupted.jpg", tmp_path / "c.jpg")
    assert result.error and result.error.startswith("图片文件已损坏或不完整")
    assert (result.width, result.height) == (3648, 2736)


@pytest.mark.parametrize("photo, size", [
    ("jpg__orientation__landscape_6.jpg", (600, 450)),
    ("jpg__orientation__portrait_6.jpg", (450, 600)),
    ("jpg__orientation__landscape_3.jpg", (600, 450)),
])
def test_corpus_orientation_sizes_as_displayed(photo: str, size: tuple[int, int]) -> None:
    result = extract(PHOTOS / photo, photo)
    assert (result.width, result.height) == size
    assert result.orientation == int(photo[-5])


def test_rotated_copies_share_the_hash() -> None:
    hashes = [extract(PHOTOS / f"jpg__orientation__landscape_{o}.jpg", "x.jpg").phash for o in (1, 3, 6, 8)]
    assert all(hamming(hashes[0], h) <= 4 for h in hashes)
    other = extract(PHOTOS / "jpg__gps__DSCN0010.jpg", "x.jpg").phash
    assert hamming(hashes[0], other) > 12


# --- all eight EXIF orientations, built here ------------------------------------

# What to do to the upright picture so that a viewer obeying the tag shows it upright.
_STORE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # tag 6 = turn 90° clockwise to view
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def _upright(width: int = 1600, height: int = 1200) -> Image.Image:
    """Top half red (top-left quarter green), bottom half blue."""
    im = Image.new("RGB", (width, height), (0, 0, 255))
    im.paste((255, 0, 0), (0, 0, width, height // 2))
    im.paste((0, 255, 0), (0, 0, width // 2, height // 2))
    return im


def _oriented_jpeg(path: Path, orientation: int) -> Path:
    im = _upright()
    if _STORE[orientation] is not None:
        im = im.transpose(_STORE[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    im.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 60 for a, b in zip(pixel, colour))


def _assert_upright(thumb: Path) -> None:
    with Image.open(thumb) as im:
        im = im.convert("RGB")
        w, h = im.size
        assert w > h, "landscape picture must stay landscape"
        assert _near(im.getpixel((w // 4, h // 4)), (0, 255, 0))
        assert _near(im.getpixel((3 * w // 4, h // 4)), (255, 0, 0))
        assert _near(im.getpixel((w // 2, 3 * h // 4)), (0, 0, 255))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_gives_an_upright_thumbnail(orientation: int, tmp_path: Path) -> None:
    src = _oriented_jpeg(tmp_path / f"o{orientation}.jpg", orientation)
    result = extract(src, src.name, tmp_path / "t.jpg")
    assert result.orientation == orientation
    assert (result.width, result.height) == (1600, 1200)
    _assert_upright(tmp_path / "t.jpg")
    assert make_thumbnail(src, "jpeg", tmp_path / "direct.jpg", 128)
    _assert_upright(tmp_path / "direct.jpg")


# --- PDFs --------------------------------------------------------------------

@pytest.mark.parametrize("name, pages, word", [
    ("minimal-document.pdf", 1, "Lorem ipsum"),
    ("pdflatex-4-pages.pdf", 4, "Hello, here is some text"),
    ("multicolumn.pdf", 3, None),
    ("google-doc-document.pdf", 1, "Example document"),
    ("crazyones-pdfa.pdf", 1, "The Crazy Ones"),
])
def test_pdf_pages_and_text(name: str, pages: int, word: str | None, tmp_path: Path) -> None:
    result = extract(PDFS / name, name, tmp_path / "p.jpg")
    assert (result.kind, result.pages, result.text_status) == ("pdf", pages, "ok")
    assert result.has_text_layer is True
    assert len(result.text_pages) == pages
    if word:
        assert word in result.text_pages[0]
    assert result.thumbnail
    with Image.open(tmp_path / "p.jpg") as im:
        assert max(im.size) <= 256 and im.height > im.width


def test_pdf_metadata_date_and_producer() -> None:
    result = extract(PDFS / "pdflatex-4-pages.pdf", "x.pdf")
    assert (result.date, result.date_source) == (date(2022, 4, 3), "metadata")
    assert result.extra["producer"].startswith("pdfTeX")


def test_password_pdf_is_flagged_not_raised(tmp_path: Path) -> None:
    result = extract(PDFS / "libreoffice-writer-password.pdf", "p.pdf", tmp_path / "t.jpg")
    assert result.encrypted and result.text_status == "encrypted"
    assert result.text_pages == () and "加密" in result.error
    assert result.thumbnail  # an icon saying 已加密


def test_image_only_pdf_needs_ocr() -> None:
    result = extract(PDFS / "grayscale-image.pdf", "scan.pdf")
    assert result.text_status == "none" and result.has_text_layer is False


def test_truncated_pdf_gets_a_reason(tmp_path: Path) -> None:
    data = (PDFS / "pdflatex-4-pages.pdf").read_bytes()
    for cut in (0.5, 0.2):
        bad = tmp_path / f"cut{cut}.pdf"
        bad.write_bytes(data[:int(len(data) * cut)])
        result = extract(bad, bad.name, tmp_path / "t.jpg")
        assert result.kind == "pdf"
        assert result.text_status == "error" and "PDF 文件已损坏或不完整" in result.error


# --- bad inputs ------------------------------------------------------------------

def test_zero_byte_file(tmp_path: Path) -> None:
    empty = tmp_path / "2024-03-15 空.docx"
    empty.write_bytes(b"")
    result = extract(empty, empty.name, tmp_path / "t.jpg")
    assert (result.kind, result.error) == ("empty", "文件为空（0 字节）")
    assert result.date == date(2024, 3, 15)


def test_truncated_jpeg_gets_a_reason(tmp_path: Path) -> None:
    good = tmp_path / "good.jpg"
    _upright(800, 600).save(good, quality=90)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(good.read_bytes()[:2000])
    result = extract(bad, "bad.jpg", tmp_path / "t.jpg")
    assert result.kind == "jpeg"
    assert result.error and result.error.startswith("图片文件已损坏或不完整")
    assert result.width == 800  # the header is still readable
    assert result.thumbnail  # a type icon marked 已损坏


def test_mislabelled_pdf_that_is_a_jpeg(tmp_path: Path) -> None:
    fake = tmp_path / "通知.pdf"
    _upright(64, 48).save(fake, "JPEG")
    result = extract(fake, fake.name)
    assert (result.kind, result.mislabelled) == ("jpeg", True)
    assert result.width == 64
    assert not extract(fake, "photo.JPG").mislabelled
    assert not extract(fake, "no-extension").mislabelled


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def test_decompression_bomb_is_not_decoded(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_only(30000, 30000))
    thumb = tmp_path / "t.jpg"
    result = extract(bomb, bomb.name, thumb)
    assert result.bomb and "解压炸弹" in result.error
    assert (result.width, result.height) == (30000, 30000)
    assert not result.thumbnail and not thumb.exists()
    assert make_thumbnail(bomb, "png", thumb) is False


def test_bomb_limit_is_read_at_call_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pic = tmp_path / "p.png"
    Image.new("RGB", (60, 30), "white").save(pic)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 1800 px: over the limit, under 2×
    result = extract(pic, pic.name, tmp_path / "t.jpg")
    assert result.bomb and (result.width, result.height) == (60, 30) and not result.thumbnail
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)  # over 2×: Pillow itself refuses
    assert extract(pic, pic.name).bomb


def test_garbage_with_image_extension(tmp_path: Path) -> None:
    junk = tmp_path / "x.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 50)
    result = extract(junk, junk.name, tmp_path / "t.jpg")
    assert result.kind == "png" and result.error.startswith("图片文件已损坏或不完整")


def test_broken_docx_gets_a_reason(tmp_path: Path) -> None:
    import zipfile
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/styles.xml", "<x/>")
    result = extract(bad, bad.name)
    assert result.kind == "docx" and result.text_status == "error" and "损坏" in result.error


# --- quality -----------------------------------------------------------------------

def test_blur_score_drops_for_a_blurred_copy(tmp_path: Path) -> None:
    src = PHOTOS / "jpg__gps__DSCN0010.jpg"
    blurred = tmp_path / "blurred.jpg"
    with Image.open(src) as im:
        im.filter(ImageFilter.GaussianBlur(4)).save(blurred, quality=95)
    sharp = extract(src, src.name).blur
    soft = extract(blurred, blurred.name).blur
    assert sharp > 5 * soft


@pytest.mark.parametrize("quality", [30, 75, 95])
def test_jpeg_quality_estimate(quality: int, tmp_path: Path) -> None:
    path = tmp_path / "q.jpg"
    _upright(320, 240).save(path, quality=quality)
    assert abs(extract(path, path.name).jpeg_quality - quality) <= 2
    with Image.open(path) as im:
        assert abs(jpeg_quality(im.quantization) - quality) <= 2


def test_png_has_no_jpeg_quality(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    _upright(64, 48).save(path)
    result = extract(path, path.name)
    assert result.jpeg_quality is None and result.phash and result.kind == "png"


# --- identify ----------------------------------------------------------------------

def test_identify_picture_formats(tmp_path: Path) -> None:
    im = _upright(32, 24)
    for fmt, kind in [("PNG", "png"), ("GIF", "gif"), ("BMP", "bmp"), ("TIFF", "tiff"), ("WEBP", "webp")]:
        path = tmp_path / f"x.{fmt.lower()}"
        im.save(path, fmt)
        assert identify(path)[0] == kind, fmt


@pytest.mark.parametrize("head, mime", [
    (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "video/mp4"),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", "video/quicktime"),
    (b"RIFF\x00\x10\x00\x00AVI LIST", "video/x-msvideo"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01matroska", "video/x-matroska"),
    (b"FLV\x01\x05\x00\x00\x00\x09", "video/x-flv"),
    (bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") + b"\x00" * 8, "video/x-ms-asf"),
])
def test_identify_video(head: bytes, mime: str, tmp_path: Path) -> None:
    path = tmp_path / "v.bin"
    path.write_bytes(head + b"\x00" * 64)
    assert identify(path) == ("video", mime)
    result = extract(path, "会议.mp4", tmp_path / "t.jpg")
    assert result.kind == "video" and result.thumbnail and not result.mislabelled


def _ole(names: list[str]) -> bytes:
    """A minimal compound-file image with the given directory entry names."""
    data = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    for name in ["Root Entry", *names]:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        entry = raw.ljust(64, b"\x00") + struct.pack("<HB", len(raw), 2)
        data += entry.ljust(128, b"\x00")
    return bytes(data)


@pytest.mark.parametrize("names, kind", [
    (["WordDocument", "1Table"], "doc"),
    (["Workbook"], "xls"),
    (["PowerPoint Document"], "ppt"),
    (["Thing"], "unknown"),
])
def test_identify_ole(names: list[str], kind: str, tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(_ole(names))
    assert identify(path)[0] == kind


def test_password_protected_docx_is_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "f.docx"
    path.write_bytes(_ole(["EncryptionInfo", "EncryptedPackage"]))
    result = extract(path, "报告.docx", tmp_path / "t.jpg")
    assert (result.kind, result.encrypted, result.text_status) == ("docx", True, "encrypted")
    assert not result.mislabelled and result.thumbnail


def test_identify_zip_kinds(tmp_path: Path) -> None:
    import zipfile
    cases = {"pptx": {"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": "<p/>"},
             "ofd": {"OFD.xml": "<ofd:OFD/>"},
             "zip": {"readme.txt": "hello"}}
    for kind, members in cases.items():
        path = tmp_path / f"{kind}.bin"
        with zipfile.ZipFile(path, "w") as zf:
            for name, text in members.items():
                zf.writestr(name, text)
        assert identify(path)[0] == kind
    assert extract(tmp_path / "zip.bin", "材料.docx").mislabelled


def test_unknown_binary(tmp_path: Path) -> None:
    path = tmp_path / "blob.dat"
    path.write_bytes(bytes(range(256)) * 4)
    assert identify(path) == ("unknown", "application/octet-stream")
    assert extract(path, path.name).error is None


def test_copy_keeps_kind(tmp_path: Path) -> None:
    """The vault path may have no extension; kind comes from content."""
    src = PDFS / "minimal-document.pdf"
    dest = tmp_path / "ab12cd"
    shutil.copy(src, dest)
    assert identify(dest) == ("pdf", "application/pdf")
