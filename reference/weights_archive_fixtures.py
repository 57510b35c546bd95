"""Writes the archive fixtures ArchiveExtractor is tested on into Tests/Fixtures/weights/archives/.

Usage: python3 reference/weights_archive_fixtures.py   (standard library only)

Two well-formed archives (good.zip, good.tar.gz) and hand-made hostile ones, each of which
a safe extractor must refuse: path traversal, absolute paths, symlink escapes, writes through
a symlink, hard links, and zip bombs (32 MiB of zeros in ~32 KiB).
"""
import gzip
import io
import os
import stat
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "Fixtures", "weights", "archives")
FIXED_TIME = (2020, 1, 1, 0, 0, 0)
LONG_NAME = "flowers/rose/" + "a_very_long_file_name_" * 6 + ".txt"  # > 100 bytes: needs pax/GNU records
BOMB_BYTES = 32 << 20

GOOD_FILES = {
    "flowers/daisy/one.txt": b"daisy one\n",
    "flowers/daisy/two.txt": b"daisy two\n" * 100,
    "flowers/rose/one.txt": b"rose one\n",
    LONG_NAME: b"long name\n",
}


def zip_symlink(z, name, target):
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.create_system = 3  # Unix, so the mode in external_attr is honoured
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    z.writestr(info, target)


def zip_file(z, name, data, compress=zipfile.ZIP_DEFLATED):
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.create_system = 3
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.compress_type = compress
    z.writestr(info, data)


def write_zip(name, build):
    with zipfile.ZipFile(os.path.join(OUT, name), "w") as z:
        build(z)


def tar_entry(t, name, data=b"", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mtime = 1577836800
    info.mode = 0o755 if kind in (tarfile.DIRTYPE, tarfile.SYMTYPE) else 0o644
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    t.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def write_tgz(name, build, fmt=tarfile.PAX_FORMAT):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as t:
        build(t)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(gzip.compress(raw.getvalue(), compresslevel=9, mtime=0))


def main():
    os.makedirs(OUT, exist_ok=True)

    def good_zip(z):
        for path, data in GOOD_FILES.items():
            zip_file(z, path, data)
        z.writestr(zipfile.ZipInfo("flowers/empty_dir/", FIXED_TIME), b"")
    write_zip("good.zip", good_zip)

    def good_tar(t):
        tar_entry(t, "flowers", kind=tarfile.DIRTYPE)
        for path, data in GOOD_FILES.items():
            tar_entry(t, path, data)
        tar_entry(t, "flowers/latest", kind=tarfile.SYMTYPE, link="rose/one.txt")
    write_tgz("good.tar.gz", good_tar)
    write_tgz("good_gnu.tar.gz", good_tar, fmt=tarfile.GNU_FORMAT)

    write_zip("slip.zip", lambda z: zip_file(z, "../evil.txt", b"escaped\n"))
    write_zip("absolute.zip", lambda z: zip_file(z, "/tmp/probe-evil.txt", b"absolute\n"))

    def zip_escape(z):
        zip_symlink(z, "escape", "../../outside")
        zip_file(z, "escape/evil.txt", b"through the link\n")
    write_zip("symlink_escape.zip", zip_escape)
    write_zip("bomb.zip", lambda z: zip_file(z, "zeros.bin", bytes(BOMB_BYTES)))

    write_tgz("slip.tar.gz", lambda t: tar_entry(t, "flowers/../../evil.txt", b"escaped\n"))
    write_tgz("absolute.tar.gz", lambda t: tar_entry(t, "/tmp/probe-evil.txt", b"absolute\n"))

    def tar_escape(t):
        tar_entry(t, "escape", kind=tarfile.SYMTYPE, link="../../outside")
        tar_entry(t, "escape/evil.txt", b"through the link\n")
    write_tgz("symlink_escape.tar.gz", tar_escape)
    write_tgz("symlink_absolute.tar.gz", lambda t: tar_entry(t, "etc", kind=tarfile.SYMTYPE, link="/etc"))

    def tar_through(t):
        tar_entry(t, "sub", kind=tarfile.DIRTYPE)
        tar_entry(t, "alias", kind=tarfile.SYMTYPE, link="sub")
        tar_entry(t, "alias/x.txt", b"written through a link\n")
    write_tgz("symlink_write_through.tar.gz", tar_through)
    write_tgz("hardlink.tar.gz", lambda t: tar_entry(t, "passwd", kind=tarfile.LNKTYPE, link="/etc/passwd"))
    write_tgz("bomb.tar.gz", lambda t: tar_entry(t, "zeros.bin", bytes(BOMB_BYTES)))


if __name__ == "__main__":
    main()
