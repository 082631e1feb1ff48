"""One case per rule PyPI applies to the uploaded files alone (warehouse ``forklift``): a file
that breaks it is refused with PyPI's message, a file that is fine passes. Every artefact is
made by ``tests.unit.artefacts``; the messages are warehouse's own."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from py_release.distributions.check import CheckOptions, check_distributions
from py_release.distributions.files import DistFile, scan_packages_dir
from py_release.distributions.platform_tags import pypi_accepts_platform
from tests.unit.artefacts import (
    NAME,
    VERSION,
    dist_stem,
    make_pair,
    make_sdist,
    make_wheel,
    metadata_text,
)

TOP = dist_stem(NAME, VERSION)
WHEEL = f"{TOP}-py3-none-any.whl"
DIST_INFO = f"{TOP}.dist-info"
Make = Callable[[Path], Sequence[Path]]
NO_REPLACEMENT = "License :: OSI Approved :: Intel Open Source License"


def _refusals(paths: Sequence[Path], **options: object) -> list[str]:
    report = check_distributions([DistFile(p) for p in paths], CheckOptions(**options))  # type: ignore[arg-type]
    return [f"{p.by}: {p.message}" for p in report.problems]


def _wheel(**knobs: object) -> Make:
    return lambda folder: [make_wheel(folder, **knobs)]  # type: ignore[arg-type]


def _sdist(**knobs: object) -> Make:
    return lambda folder: [make_sdist(folder, **knobs)]  # type: ignore[arg-type]


def _metadata(*extra: tuple[str, str], **fields: object) -> Make:
    text = metadata_text(extra=extra, **fields)  # type: ignore[arg-type]
    return lambda folder: [make_wheel(folder, metadata=text)]


def _tar_then_zip(folder: Path) -> list[Path]:
    """A wheel that is also a tar: a tar archive with the zip after it."""
    wheel = make_wheel(folder)
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as archive:
        info = tarfile.TarInfo("hidden.txt")
        archive.addfile(info, io.BytesIO(b""))
    wheel.write_bytes(tar.getvalue() + wheel.read_bytes())
    return [wheel]


def _renamed(filename: str, **knobs: object) -> Make:
    return lambda folder: [make_wheel(folder, filename=filename, **knobs)]  # type: ignore[arg-type]


# (rule, a file that breaks it, text of PyPI's refusal)
REFUSED: list[tuple[str, Make, str]] = [
    (
        "control-character-in-file-name",
        _renamed(f"{TOP}-py3-none-any\x07.whl"),
        "PyPI: Cannot upload a file with non-printable characters (ordinals 0-31)",
    ),
    (
        "backslash-in-file-name",
        _renamed(f"{TOP}-py3-none-any\\.whl"),
        "PyPI: Cannot upload a file with '/' or '\\' in the name.",
    ),
    (
        "file-name-too-long",
        lambda folder: [make_wheel(folder, name="x" * 228)],
        "PyPI: Filename is too long: 'xxxx",
    ),
    ("zip-and-tar", _tar_then_zip, "PyPI: Invalid distribution file. File is both a zip and a tar"),
    (
        "compression-ratio",
        _wheel(files={"py_release_sample/zeros.bin": bytes(65 * 1024 * 1024)}),
        "PyPI: Invalid distribution file. File exceeds compression ratio of 50",
    ),
    (
        "compression-method",
        _wheel(compression={"py_release_sample/__init__.py": zipfile.ZIP_BZIP2}),
        "PyPI: Invalid distribution file. File does not use a supported compression type",
    ),
    (
        "zip-sdist-without-pkg-info",
        _sdist(archive_format="zip", pkg_info=False),
        f"PyPI: Invalid distribution file. PKG-INFO not found at {TOP}/PKG-INFO",
    ),
    (
        "wheel-without-wheel-file-where-its-name-says",
        _renamed(f"Py_Release_Sample-{VERSION}-py3-none-any.whl"),
        f"Invalid distribution file. WHEEL not found at Py_Release_Sample-{VERSION}.dist-info",
    ),
    (
        "not-normalised-wheel-name",
        _renamed(f"Py_Release_Sample-{VERSION}-py3-none-any.whl"),
        "PyPI: Filename 'Py_Release_Sample-1.0.0-py3-none-any.whl' should contain the normalized "
        "project name 'py_release_sample', not 'Py_Release_Sample'.",
    ),
    (
        "dotted-wheel-name",
        lambda folder: [
            make_wheel(
                folder,
                name="py.release.sample",
                filename=f"py.release.sample-{VERSION}-py3-none-any.whl",
            )
        ],
        "PyPI: Filename 'py.release.sample-1.0.0-py3-none-any.whl' should contain the normalized "
        "project name 'py_release_sample', not 'py.release.sample'.",
    ),
    (
        "pyarmor",
        _wheel(files={"py_release_sample/__init__.py": b"__pyarmor__(__name__, __file__, b'')"}),
        "PyPI: Invalid distribution file. PyArmor-encrypted content is not allowed.",
    ),
    (
        "sourcedefender",
        _sdist(
            files={
                "pyproject.toml": b"[project]\n",
                "src/mod.pye": b"---BEGIN PYE FILE---\nxyz\n---END PYE FILE---\n",
            }
        ),
        "PyPI: Invalid distribution file. SourceDefender-encrypted content is not allowed.",
    ),
    (
        "zip-leading-data",
        _wheel(around=(b"#!/bin/sh\n", b"")),
        "PyPI: Invalid distribution file. ZIP archive not accepted: Unknown record signature.",
    ),
    (
        "zip-trailing-data",
        _wheel(around=(b"", b"appended")),
        "PyPI: Invalid distribution file. ZIP archive not accepted: Trailing data.",
    ),
    (
        "zip-member-comment",
        _wheel(comments={"py_release_sample/__init__.py": b"hello"}),
        "ZIP archive not accepted: Comment in central directory.",
    ),
    (
        "zip-data-descriptor",
        _wheel(streamed=True),
        "ZIP archive not accepted: ZIP contains a data descriptor.",
    ),
    (
        "zip-control-character-in-member",
        _wheel(raw_members=[("py_release_sample/\x01.py", b"x")]),
        "ZIP archive not accepted: Invalid character in filename.",
    ),
    (
        "sparse-tar-member",
        _sdist(sparse=["holes.bin"]),
        "Invalid distribution file. tar archive not accepted: Sparse members are not allowed.",
    ),
    (
        "wheel-without-record",
        _wheel(record=False),
        f"PyPI: Wheel '{WHEEL}' does not contain the required RECORD file: {DIST_INFO}/RECORD",
    ),
    (
        "entry-point-name",
        _wheel(
            files={
                "py_release_sample/__init__.py": b"",
                f"{DIST_INFO}/entry_points.txt": b"[console_scripts]\nbad name! = m:f\n",
            }
        ),
        f"PyPI: Wheel '{WHEEL}' has invalid entry points defined in the entry_points.txt file",
    ),
    (
        "entry-points-not-ini",
        _wheel(
            files={
                "py_release_sample/__init__.py": b"",
                f"{DIST_INFO}/entry_points.txt": b"console_scripts = m:f\n",
            }
        ),
        "has invalid entry points defined in the entry_points.txt file",
    ),
    (
        "platform-linux",
        _renamed(f"{TOP}-cp311-cp311-linux_x86_64.whl"),
        f"PyPI: Binary wheel '{TOP}-cp311-cp311-linux_x86_64.whl' has an unsupported platform "
        "tag 'linux_x86_64'.",
    ),
    (
        "home-page",
        _metadata(("Home-page", "not a url")),
        "PyPI: 'not a url' is not a valid url.",
    ),
    (
        "download-url",
        _metadata(("Download-URL", "ftp://example.com/x.tar.gz")),
        "PyPI: 'ftp://example.com/x.tar.gz' is not a valid url.",
    ),
    (
        "project-url-not-a-url",
        _metadata(("Project-URL", "Docs, javascript:alert(1)")),
        "PyPI: 'javascript:alert(1)' is not a valid url",
    ),
    ("project-url-without-url", _metadata(("Project-URL", "Docs,")), "PyPI: Must have a URL"),
    (
        "author-email",
        _metadata(("Author-email", "Jane <jane@example>")),
        "PyPI: 'jane@example' is not a valid email address:",
    ),
    (
        "maintainer-email",
        _metadata(("Maintainer-email", "ops@example..com")),
        "PyPI: 'ops@example..com' is not a valid email address:",
    ),
    (
        "provides-dist",
        _metadata(("Provides-Dist", "not a requirement!")),
        "PyPI: 'not a requirement!' is invalid:",
    ),
    (
        "obsoletes-dist-direct-url",
        _metadata(("Obsoletes-Dist", "old @ https://example.com/old.whl")),
        "PyPI: Can't have direct dependency: 'old @ https://example.com/old.whl'",
    ),
    (
        "deprecated-classifier-without-replacement",
        _metadata(("Classifier", NO_REPLACEMENT)),
        f"PyPI: The classifier '{NO_REPLACEMENT}' has been deprecated.",
    ),
    (
        "license-file-under-metadata-2.4",
        _metadata(("License-Expression", "MIT"), ("License-File", "LICENSE")),
        f"PyPI: License-File LICENSE does not exist in distribution file {WHEEL} at "
        f"{DIST_INFO}/licenses/LICENSE",
    ),
    (
        "local-version",
        lambda folder: [make_wheel(folder, version="1.0+local")],
        "PyPI: The use of local versions in '1.0+local' is not allowed.",
    ),
    (
        "blank-markdown-description",
        _metadata(body="   \n"),
        "PyPI: The description failed to render for 'text/markdown'.",
    ),
]


@pytest.mark.parametrize(
    ("make", "expected"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_pypi_refuses(tmp_path: Path, make: Make, expected: str) -> None:
    refusals = _refusals(make(tmp_path), refuse_local_versions=True)
    assert any(expected in line for line in refusals), refusals


ENTRY_POINTS = b"[console_scripts]\nmy-tool = m:main\n[other]\nany thing = m:x\n"

# (rule, a file PyPI takes although a stricter reading would refuse it)
ACCEPTED: list[tuple[str, Make]] = [
    (
        "license-file-in-metadata-2.1",  # setuptools before 77; twine leaves the field out
        _metadata(("License", "MIT"), ("License-File", "LICENSE.txt"), metadata_version="2.1"),
    ),
    (
        "license-file-in-metadata-2.2-sdist",
        lambda folder: [
            make_sdist(
                folder,
                metadata=metadata_text(
                    metadata_version="2.2", extra=[("License-File", "NOT-THERE.txt")]
                ),
            )
        ],
    ),
    ("rst-without-content-type", _metadata(content_type=None, body="Some *rst* text.\n")),
    ("no-description", _metadata(body=None)),
    ("metadata-1.0", _metadata(metadata_version="1.0", content_type=None, body=None)),
    ("plain-text", _metadata(content_type="text/plain", body="== not rst ==\n.. bad::\n")),
    ("stored-members", _wheel(compression={"py_release_sample/__init__.py": zipfile.ZIP_STORED})),
    ("urls", _metadata(("Home-page", "https://example.com"), ("Project-URL", "Docs, http://x.io/"))),
    ("emails", _metadata(("Author-email", '"Jane Doe" <jane@example.com>, bob@example.org'))),
    ("entry-points", _wheel(files={"m.py": b"", f"{DIST_INFO}/entry_points.txt": ENTRY_POINTS})),
    ("manylinux", _renamed(f"{TOP}-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")),
    ("build-tag", _renamed(f"{TOP}-1-py3-none-any.whl")),
    ("one-version-two-spellings", lambda d: [make_sdist(d, version="1.0"), make_wheel(d)]),
]  # fmt: skip


@pytest.mark.parametrize("make", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_pypi_accepts(tmp_path: Path, make: Make) -> None:
    assert _refusals(make(tmp_path), refuse_local_versions=True) == []


def test_1_0_and_1_0_0_are_one_release(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, version="1.0")
    wheel = make_wheel(tmp_path, version="1.0.0")
    report = check_distributions([DistFile(sdist), DistFile(wheel)], CheckOptions(tag="v1.0"))
    assert report.problems == ()
    assert report.version == "1.0"


@pytest.mark.parametrize(
    ("platform", "accepted"),
    [
        ("any", True),
        ("win_amd64", True),
        ("win32", True),
        ("win_arm64", True),
        ("manylinux2014_aarch64", True),
        ("manylinux_2_28_x86_64", True),
        ("manylinux_2_17_ppc64", True),
        ("musllinux_1_2_riscv64", True),
        ("musllinux_1_1_ppc64", False),
        ("linux_armv7l", True),
        ("linux_x86_64", False),
        ("linux_aarch64", False),
        ("macosx_10_9_x86_64", True),
        ("macosx_10_13_universal2", True),
        ("macosx_11_0_arm64", True),
        ("macosx_11_3_arm64", False),
        ("macosx_26_0_arm64", True),
        ("macosx_16_0_arm64", False),
        ("macosx_14_0_sparc", False),
        ("ios_13_0_arm64_iphoneos", True),
        ("ios_13_0_x86_64_iphonesimulator", True),
        ("android_21_arm64_v8a", True),
        ("android_21_mips", False),
        ("pyemscripten_2024_0_wasm32", True),
        ("emscripten_3_1_58_wasm32", False),
        ("cygwin_x86_64", False),
    ],
)
def test_platform_tags(platform: str, accepted: bool) -> None:
    assert pypi_accepts_platform(platform) is accepted


def test_a_refused_platform_says_how_to_get_one_pypi_takes(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, filename=f"{TOP}-cp311-cp311-linux_x86_64.whl")
    report = check_distributions([DistFile(wheel)], CheckOptions())
    (problem,) = [p for p in report.problems if "platform tag" in p.message]
    assert "cibuildwheel" in problem.hint
    assert "auditwheel repair" in problem.hint
    assert "build: sdist" in problem.hint


def test_refused_formats_in_packages_dir_are_named(tmp_path: Path) -> None:
    make_pair(tmp_path)
    for name in ("old-1.0-py3.11.egg", "sample-1.0.tar.bz2", "sample-1.0.win-amd64.exe"):
        (tmp_path / name).write_bytes(b"legacy")
    (tmp_path / "NOTES.txt").write_text("x")
    contents = scan_packages_dir(tmp_path)
    assert [p.name for p in contents.unsupported] == [
        "old-1.0-py3.11.egg",
        "sample-1.0.tar.bz2",
        "sample-1.0.win-amd64.exe",
    ]
    assert [p.name for p in contents.ignored] == ["NOTES.txt"]
    assert len(contents.dists) == 2
