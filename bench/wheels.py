"""Valid wheels for the upload benchmarks: one release in many platform builds (P2), and one
very large wheel written in chunks, never held in memory (P4).

The metadata, RECORD digests and file-name stems come from the test suite's makers
(``tests/unit/artefacts.py``); the payload is random, so nothing compresses it away.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from pathlib import Path

import harness  # noqa: F401 - puts the repository on sys.path for tests.unit.artefacts

from tests.unit.artefacts import dist_stem, metadata_text, record_digest

NAME = "py-release-bench"
VERSION = "1.0.0"
CHUNK = 1 << 20
PYTHONS = ("cp39", "cp310", "cp311", "cp312", "cp313")
PLATFORMS = (
    "manylinux_2_17_x86_64", "manylinux_2_17_aarch64", "musllinux_1_2_x86_64",
    "musllinux_1_2_aarch64", "macosx_10_9_x86_64", "macosx_11_0_arm64", "win_amd64", "win32",
)  # fmt: skip
_DATE = (2024, 1, 1, 0, 0, 0)


def _random_member(archive: zipfile.ZipFile, name: str, size: int) -> str:
    """Write ``size`` random bytes as ``name`` (stored), 1 MiB at a time; return the RECORD
    digest (``sha256=`` and urlsafe base64 without padding, as ``record_digest`` makes)."""
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    info.file_size = size
    digest = hashlib.sha256()
    with archive.open(info, "w") as out:
        left = size
        while left:
            block = os.urandom(min(CHUNK, left))
            digest.update(block)
            out.write(block)
            left -= len(block)
    return "sha256=" + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def make_wheel(folder: Path, *, tag: str, payload_bytes: int, version: str = VERSION) -> Path:
    """A valid wheel of ``NAME`` ``version`` for ``tag`` (``cp312-cp312-win_amd64``) holding
    ``payload_bytes`` of random data, written 1 MiB at a time."""
    stem = dist_stem(NAME, version)
    dist_info = f"{stem}.dist-info"
    module = NAME.replace("-", "_")
    texts = {
        f"{module}/__init__.py": b"",
        f"{dist_info}/METADATA": metadata_text(NAME, version, summary="Benchmark payload").encode(),
        f"{dist_info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: bench/wheels.py\nRoot-Is-Purelib: false\nTag: {tag}\n"
        ).encode(),
    }
    path = folder / f"{stem}-{tag}.whl"
    rows: list[str] = []
    with zipfile.ZipFile(path, "w") as archive:
        digest = _random_member(archive, f"{module}/payload.bin", payload_bytes)
        rows.append(f"{module}/payload.bin,{digest},{payload_bytes}")
        for member, data in texts.items():
            info = zipfile.ZipInfo(member, date_time=_DATE)
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
            rows.append(f"{member},{record_digest(data)},{len(data)}")
        rows.append(f"{dist_info}/RECORD,,")
        record = zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=_DATE)
        archive.writestr(record, "\n".join(rows) + "\n")
    return path


def platform_wheels(folder: Path, count: int, payload_bytes: int) -> list[Path]:
    """``count`` wheels of one release, one per interpreter and platform tag."""
    tags = [f"{py}-{py}-{platform}" for py in PYTHONS for platform in PLATFORMS]
    if count > len(tags):
        raise ValueError(f"at most {len(tags)} distinct platform wheels")
    folder.mkdir(parents=True, exist_ok=True)
    return [make_wheel(folder, tag=tag, payload_bytes=payload_bytes) for tag in tags[:count]]
