"""Every check, each on a real artefact the test makes (``tests.unit.artefacts``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import trove_classifiers

from py_release.cli import main
from py_release.distributions.check import CheckOptions, CheckReport, check_distributions
from py_release.distributions.files import DistFile, scan_packages_dir
from py_release.distributions.integrity import check_sdist, check_wheel
from py_release.distributions.pypi_files import expected_sdist_name
from py_release.distributions.version import is_local, tag_matches, version_from_tag
from py_release.errors import CheckFailed, Problem
from tests.unit.artefacts import (
    NAME,
    VERSION,
    dist_stem,
    make_pair,
    make_sdist,
    make_wheel,
    metadata_text,
)

WHEEL = f"{dist_stem(NAME, VERSION)}-py3-none-any.whl"
SDIST = f"{dist_stem(NAME, VERSION)}.tar.gz"
TOP = dist_stem(NAME, VERSION)
MODULE = "py_release_sample/__init__.py"
DEPRECATED_CLASSIFIER = sorted(trove_classifiers.deprecated_classifiers)[0]

Make = Callable[[Path], Sequence[Path]]


def check(paths: Sequence[Path], **options: object) -> CheckReport:
    return check_distributions([DistFile(p) for p in paths], CheckOptions(**options))  # type: ignore[arg-type]


def messages(report: CheckReport) -> list[str]:
    return [str(problem) for problem in report.problems]


def _garbage(name: str) -> Make:
    def make(folder: Path) -> list[Path]:
        path = folder / name
        path.write_bytes(b"this is not an archive\n" * 10)
        return [path]

    return make


def _wheel_with(text: str) -> Make:
    return lambda folder: [make_wheel(folder, metadata=text)]


def _sdist_with(text: str) -> Make:
    return lambda folder: [make_sdist(folder, metadata=text)]


def test_a_valid_pair_passes(tmp_path: Path) -> None:
    sdist, wheel = make_pair(tmp_path)
    report = check([sdist, wheel], refuse_local_versions=True, tag="v1.0.0", check_tag="auto")
    assert report.problems == ()
    assert report.project == NAME
    assert report.version == VERSION
    assert [c.dist.name for c in report.checked] == [SDIST, WHEEL]
    assert [c.name for c in report.checked] == [NAME, NAME]
    assert check_wheel(wheel) == []
    assert check_sdist(sdist) == []


def test_valid_artefacts_with_licence_files_pass(tmp_path: Path) -> None:
    text = metadata_text(extra=[("License-Expression", "MIT"), ("License-File", "LICENSE")])
    wheel = make_wheel(tmp_path, metadata=text, licenses={"LICENSE": b"MIT License\n"})
    files = {"LICENSE": b"MIT License\n", "pyproject.toml": b"[project]\n"}
    sdist = make_sdist(tmp_path, metadata=text, files=files)
    assert check([sdist, wheel]).problems == ()


# (id, make the artefacts, options, text every expected problem holds, how many problems)
BAD: list[tuple[str, Make, dict[str, object], list[str]]] = [
    # Wheel integrity.
    (
        "broken-record-hash",
        lambda d: [make_wheel(d, bad_hash_for=MODULE)],
        {},
        [
            f"{WHEEL}: PyPI would accept this file, but installers refuse it: "
            f"RECORD: hash / size of {MODULE} didn't match RECORD"
        ],
    ),
    (
        "file-missing-from-record",
        lambda d: [make_wheel(d, unrecorded={"py_release_sample/extra.py": b"x = 1\n"})],
        {},
        [
            "PyPI would accept this file, but installers refuse it: "
            "RECORD: py_release_sample/extra.py is not mentioned in RECORD"
        ],
    ),
    (
        "record-lists-missing-file",
        lambda d: [make_wheel(d, phantom_records=["py_release_sample/gone.py"])],
        {},
        ["RECORD lists 'py_release_sample/gone.py' but the wheel does not contain it"],
    ),
    (
        "wheel-not-a-zip",
        _garbage(WHEEL),
        {},
        ["PyPI refuses it: Invalid distribution file. File is not a zipfile"],
    ),
    (
        "dotdot-in-wheel",
        lambda d: [make_wheel(d, raw_members=[("../evil.py", b"x")])],
        {},
        ["archive member '../evil.py' contains '..'"],
    ),
    (
        "dotdot-inside-wheel-path",
        lambda d: [make_wheel(d, raw_members=[("py_release_sample/../../evil.py", b"x")])],
        {},
        ["archive member 'py_release_sample/../../evil.py' contains '..'"],
    ),
    (
        "absolute-path-in-wheel",
        lambda d: [make_wheel(d, raw_members=[("/tmp/evil.py", b"x")])],
        {},
        ["archive member '/tmp/evil.py' is an absolute path"],
    ),
    (
        "windows-absolute-path-in-wheel",
        lambda d: [make_wheel(d, raw_members=[("C:/evil.py", b"x")])],
        {},
        ["archive member 'C:/evil.py' is an absolute path"],
    ),
    (
        "duplicate-member",
        lambda d: [make_wheel(d, raw_members=[(MODULE, b"print('again')\n")])],
        {},
        ["ZIP archive not accepted: Mis-matched data size. See https://docs.pypi.org/archives"],
    ),
    # Versions.
    (
        "local-version-refused",
        lambda d: list(make_pair(d, version="1.0+abc")),
        {"refuse_local_versions": True},
        ["The use of local versions in '1.0+abc' is not allowed", "The use of local versions"],
    ),
    (
        "wheel-version-differs",
        lambda d: [make_wheel(d, filename=f"{dist_stem(NAME, '1.0.1')}-py3-none-any.whl")],
        {},
        [
            "Invalid distribution file. WHEEL not found at py_release_sample-1.0.1.dist-info/WHEEL",
            "Version in filename should be '1.0.0' not '1.0.1'.",
        ],
    ),
    (
        "wheel-name-differs",
        lambda d: [make_wheel(d, filename=f"{dist_stem('other', VERSION)}-py3-none-any.whl")],
        {},
        [
            "Invalid distribution file. WHEEL not found at other-1.0.0.dist-info/WHEEL",
            "Start filename for 'py-release-sample' with 'py_release_sample'.",
            "should contain the normalized project name 'py_release_sample', not 'other'.",
        ],
    ),
    (
        "wheel-name-unparseable",
        lambda d: [make_wheel(d, filename="sample.whl")],
        {},
        [
            "sample.whl: PyPI refuses it: Invalid distribution file. Unable to parse name and "
            "version from wheel filename",
            "sample.whl: PyPI refuses it: Invalid wheel filename (wrong number of parts)",
        ],
    ),
    (
        "tag-mismatch",
        lambda d: list(make_pair(d)),
        {"tag": "v1.0.1"},
        ["tag v1.0.1: does not match the version of the distributions, 1.0.0"],
    ),
    (
        "tag-not-a-version",
        lambda d: list(make_pair(d)),
        {"tag": "release-candidate"},
        ["tag release-candidate: does not match"],
    ),
    (
        "check-tag-true-without-tag",
        lambda d: list(make_pair(d)),
        {"check_tag": "true"},
        ["check-tag: is true, but this run is not for a tag"],
    ),
    # Size.
    (
        "oversize",
        lambda d: [make_wheel(d)],
        {"max_file_size": 100},
        ["bytes, over the limit of 100 bytes"],
    ),
    # File names.
    (
        "sdist-name-not-pep-625",
        lambda d: [make_sdist(d, filename=f"Py-Release-Sample-{VERSION}.tar.gz")],
        {},
        [f"Filename 'Py-Release-Sample-{VERSION}.tar.gz' is invalid, should be '{SDIST}'."],
    ),
    (
        "zip-sdist",
        lambda d: [make_sdist(d, archive_format="zip")],
        {},
        [f"Filename '{TOP}.zip' is invalid, should be '{SDIST}'."],
    ),
    # Folder-wide rules.
    (
        "two-versions",
        lambda d: [make_wheel(d), make_wheel(d, version="1.1.0")],
        {},
        ["packages-dir: holds 2 versions: 1.0.0, 1.1.0"],
    ),
    (
        "two-projects",
        lambda d: [make_wheel(d), make_wheel(d, name="other-project")],
        {},
        ["packages-dir: holds files of 2 projects: other-project, py-release-sample"],
    ),
    (
        "two-sdists",
        lambda d: [make_sdist(d), make_sdist(d, archive_format="zip")],
        {},
        ["should be", "Only one sdist may be uploaded per release"],
    ),
    # Sdist safety.
    (
        "dotdot-in-tar",
        lambda d: [make_sdist(d, raw_members=[(f"{TOP}/../evil.txt", b"x")])],
        {},
        [f"archive member '{TOP}/../evil.txt' contains '..'"],
    ),
    (
        "absolute-path-in-tar",
        lambda d: [make_sdist(d, raw_members=[("/etc/evil.txt", b"x")])],
        {},
        ["Invalid distribution file. Incorrect number of top-level directories in sdist"],
    ),
    (
        "relative-symlink-out-of-tar",
        lambda d: [make_sdist(d, links=[("evil", "../../etc/passwd", "symlink")])],
        {},
        [f"symlink '{TOP}/evil' points outside the archive (to '../../etc/passwd')"],
    ),
    (
        "absolute-symlink-out-of-tar",
        lambda d: [make_sdist(d, links=[("evil", "/etc/passwd", "symlink")])],
        {},
        [f"symlink '{TOP}/evil' points outside the archive (to '/etc/passwd')"],
    ),
    (
        "deep-symlink-out-of-tar",
        lambda d: [make_sdist(d, links=[("src/a/evil", "../../../../outside", "symlink")])],
        {},
        [f"symlink '{TOP}/src/a/evil' points outside the archive"],
    ),
    (
        "hard-link-out-of-tar",
        lambda d: [make_sdist(d, links=[("evil", "../outside", "hardlink")])],
        {},
        [f"hard link '{TOP}/evil' points outside the archive (to '../outside')"],
    ),
    (
        "absolute-hard-link",
        lambda d: [make_sdist(d, links=[("evil", "/etc/shadow", "hardlink")])],
        {},
        [f"hard link '{TOP}/evil' points outside the archive (to '/etc/shadow')"],
    ),
    (
        "sdist-without-pkg-info",
        lambda d: [make_sdist(d, pkg_info=False)],
        {},
        [f"Invalid distribution file. PKG-INFO not found at {TOP}/PKG-INFO"],
    ),
    (
        "sdist-two-top-folders",
        lambda d: [make_sdist(d, raw_members=[("other-1.0/README.md", b"x")])],
        {},
        ["Incorrect number of top-level directories in sdist"],
    ),
    (
        "sdist-not-a-gzip",
        _garbage(SDIST),
        {},
        ["PyPI refuses it: Invalid distribution file. File is not a tarfile"],
    ),
    # PyPI's metadata rules.
    (
        "license-and-license-expression",
        _wheel_with(metadata_text(extra=[("License", "MIT"), ("License-Expression", "MIT")])),
        {},
        ["License is deprecated when License-Expression is present."],
    ),
    (
        "license-file-missing-from-wheel",
        _wheel_with(
            metadata_text(extra=[("License-Expression", "MIT"), ("License-File", "LICENSE")])
        ),
        {},
        [
            f"License-File LICENSE does not exist in distribution file {WHEEL} at "
            f"{TOP}.dist-info/licenses/LICENSE"
        ],
    ),
    (
        "license-file-missing-from-sdist",
        _sdist_with(
            metadata_text(extra=[("License-Expression", "MIT"), ("License-File", "COPYING")])
        ),
        {},
        [f"License-File COPYING does not exist in distribution file {SDIST} at {TOP}/COPYING"],
    ),
    (
        "invalid-classifier",
        _wheel_with(metadata_text(extra=[("Classifier", "Programming Language :: Cobol :: 9")])),
        {},
        ["'Programming Language :: Cobol :: 9' is not a valid classifier."],
    ),
    (
        "private-classifier",
        _wheel_with(metadata_text(extra=[("Classifier", "Private :: Do Not Upload")])),
        {},
        ["'Private :: Do Not Upload' is not a valid classifier."],
    ),
    (
        "deprecated-classifier",
        _wheel_with(metadata_text(extra=[("Classifier", DEPRECATED_CLASSIFIER)])),
        {},
        [f"The classifier '{DEPRECATED_CLASSIFIER}' has been deprecated"],
    ),
    (
        "summary-over-512",
        _wheel_with(metadata_text(summary="s" * 513)),
        {},
        ["'summary' field must be 512 characters or less (it has 513)"],
    ),
    (
        "direct-url-dependency",
        _wheel_with(metadata_text(extra=[("Requires-Dist", "foo @ https://example.com/foo.whl")])),
        {},
        ["Can't have direct dependency: foo @ https://example.com/foo.whl"],
    ),
    (
        "project-url-label-too-long",
        _wheel_with(metadata_text(extra=[("Project-URL", "L" * 33 + ", https://example.com/")])),
        {},
        ["'" + "L" * 33 + "' must be 32 characters or less."],
    ),
    (
        "metadata-version-3",
        _wheel_with(metadata_text(metadata_version="3.0")),
        {},
        ["twine refuses to upload it: Invalid distribution metadata: '3.0' is not a valid"],
    ),
    (
        "metadata-invalid-version",
        lambda d: [make_wheel(d, metadata=metadata_text(version="not-a-version"))],
        {},
        ["twine refuses to upload it: Invalid distribution metadata: 'not-a-version'"],
    ),
    (
        "metadata-without-name",
        _wheel_with(metadata_text(drop={"Name"})),
        {},
        ["twine refuses to upload it: Invalid distribution metadata: 'name' is a required"],
    ),
    # The description as PyPI renders it.
    (
        "twine-broken-rst",
        _wheel_with(
            metadata_text(content_type="text/x-rst", body="Title\n=====\n\n.. bad-directive::\n")
        ),
        {},
        [
            "PyPI refuses it: The description failed to render for 'text/x-rst'. "
            '(line 4: Unknown directive type "bad-directive".)'
        ],
    ),
]


def test_the_bad_artefact_table_is_complete() -> None:
    assert len({case[0] for case in BAD}) == len(BAD)


@pytest.mark.parametrize(
    ("make", "options", "expected"), [case[1:] for case in BAD], ids=[case[0] for case in BAD]
)
def test_each_bad_artefact_is_reported(
    tmp_path: Path, make: Make, options: dict[str, object], expected: list[str]
) -> None:
    paths = make(tmp_path)
    report = check(paths, **options)
    found = messages(report)
    assert len(found) == len(expected), found
    for line, text in zip(found, expected, strict=True):
        assert text.format(folder=tmp_path) in line
    for problem in report.problems:
        assert problem.hint.strip()
        assert (
            problem.file == "packages-dir"
            or problem.file in {p.name for p in paths}
            or (problem.file.startswith(("tag ", "check-tag")))
        )


def test_local_version_allowed_when_not_refused(tmp_path: Path) -> None:
    sdist, wheel = make_pair(tmp_path, version="1.0+abc")
    assert sdist.name == f"{dist_stem(NAME, '1.0+abc')}.tar.gz"
    report = check([sdist, wheel], refuse_local_versions=False)
    assert report.problems == ()
    assert report.version == "1.0+abc"


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("v1.2.3-rc.1", "1.2.3rc1"),
        ("V1.0", "1.0.0"),
        ("1.0.0", "1.0.0"),
        ("v2024.01.05", "2024.1.5"),
        ("v1.0.post1", "1.0.post1"),
    ],
    ids=["rc-separators", "capital-v-short", "bare", "leading-zeros", "post"],
)
def test_tag_matches_after_normalisation(tmp_path: Path, tag: str, version: str) -> None:
    paths = make_pair(tmp_path, version=version)
    assert check(paths, tag=tag).problems == ()
    assert check(paths, tag=tag, check_tag="true").problems == ()
    assert tag_matches(tag, version)


def test_check_tag_false_ignores_a_mismatch(tmp_path: Path) -> None:
    assert check(make_pair(tmp_path), tag="v9.9.9", check_tag="false").problems == ()


def test_no_tag_with_check_tag_auto_is_fine(tmp_path: Path) -> None:
    assert check(make_pair(tmp_path), tag=None, check_tag="auto").problems == ()


@pytest.mark.parametrize(
    ("tag", "version"),
    [("v1.2.3", "1.2.3"), ("release-1", None), ("v", None), (" v1.0-RC1 ", "1.0rc1")],
    ids=["v-prefix", "words", "just-v", "spaces-and-case"],
)
def test_version_from_tag(tag: str, version: str | None) -> None:
    parsed = version_from_tag(tag)
    assert (str(parsed) if parsed else None) == version


def test_is_local() -> None:
    assert is_local("1.0+abc")
    assert not is_local("1.0")
    assert not is_local("not a version")


def test_expected_sdist_name() -> None:
    assert expected_sdist_name("Py.Release_Sample", "01.0") == "py_release_sample-1.0.tar.gz"


def test_symlinks_and_hard_links_inside_the_tar_are_fine(tmp_path: Path) -> None:
    sdist = make_sdist(
        tmp_path,
        links=[
            ("README.rst", "README.md", "symlink"),
            ("src/readme-link", "../README.md", "symlink"),
            ("copy-of-readme", f"{TOP}/README.md", "hardlink"),
        ],
    )
    assert check_sdist(sdist) == []
    assert check([sdist]).problems == ()


def test_a_chain_of_symlinks_out_of_the_tar_is_refused(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, links=[("up", "..", "symlink"), ("out", "up/..", "symlink")])
    problems = check_sdist(sdist)
    assert any("'out'" in p.message or "/out'" in p.message for p in problems)


def test_oversize_only_over_the_limit(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    size = wheel.stat().st_size
    assert check([wheel], max_file_size=size).problems == ()
    over = check([wheel], max_file_size=size - 1)
    assert messages(over) == [f"{WHEEL}: is {size:,} bytes, over the limit of {size - 1:,} bytes"]
    assert "max-file-size" in over.problems[0].hint


def test_a_missing_description_is_a_warning_and_strict_refuses_it(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, metadata=metadata_text(body=None))
    report = check([wheel])
    assert report.problems == ()
    assert [str(w) for w in report.warnings] == [
        f"{WHEEL}: PyPI accepts it, but twine check --strict warns: `long_description` missing."
    ]
    strict = check([wheel], verify_metadata="strict")
    assert strict.warnings == ()
    assert [str(p) for p in strict.problems] == [
        f"{WHEEL}: verify-metadata is strict, and twine check --strict warns: "
        "`long_description` missing."
    ]
    off = check([wheel], verify_metadata="false")
    assert off.problems == ()
    assert off.warnings == ()


def test_rst_without_a_content_type_passes_with_a_warning(tmp_path: Path) -> None:
    text = metadata_text(content_type=None, body="Just *text*, valid rst.\n")
    report = check([make_wheel(tmp_path, metadata=text)])
    assert report.problems == ()
    assert ["`long_description_content_type` missing" in w.message for w in report.warnings] == [
        True
    ]
    assert len(check([make_wheel(tmp_path, metadata=text)], verify_metadata="strict").problems) == 1


def test_broken_rst_without_a_content_type_is_refused_as_pypi_says(tmp_path: Path) -> None:
    text = metadata_text(content_type=None, body="Title\n=====\n\n.. bad-directive::\n")
    report = check([make_wheel(tmp_path, metadata=text)])
    assert [p.message for p in report.problems] == [
        "The description failed to render in the default format of reStructuredText. "
        '(line 4: Unknown directive type "bad-directive".)'
    ]


def test_every_problem_is_collected_in_one_report(tmp_path: Path) -> None:
    """One folder, several broken files: all problems come back together, nothing stops early."""
    folder = tmp_path / "dist"
    folder.mkdir()
    bad_hash = make_wheel(folder, bad_hash_for=MODULE)
    unsafe_sdist = make_sdist(folder, links=[("evil", "/etc/passwd", "symlink")])
    other_version = make_wheel(
        folder,
        version="1.1.0",
        metadata=metadata_text(version="1.1.0", extra=[("Classifier", "Not :: A :: Classifier")]),
    )
    not_a_zip = folder / f"{dist_stem(NAME, '1.2.0')}-py3-none-any.whl"
    not_a_zip.write_bytes(b"garbage")
    local = make_sdist(folder, version="1.0+local", archive_format="zip")
    (folder / "notes.txt").write_text("not a distribution")

    dists = scan_packages_dir(folder).dists
    assert {d.path for d in dists} == {bad_hash, unsafe_sdist, other_version, not_a_zip, local}
    report = check_distributions(
        dists, CheckOptions(refuse_local_versions=True, tag="v2.0.0", max_file_size=10**6)
    )
    found = "\n".join(messages(report))
    assert "hash / size of py_release_sample/__init__.py didn't match RECORD" in found
    assert "symlink 'py_release_sample-1.0.0/evil' points outside the archive" in found
    assert "'Not :: A :: Classifier' is not a valid classifier." in found
    assert f"{not_a_zip.name}: PyPI refuses it: Invalid distribution file. File is not a" in found
    assert "py_release_sample-1.0+local.zip' is invalid, should be" in found
    assert "The use of local versions in '1.0+local' is not allowed" in found
    assert "holds 3 versions: 1.0+local, 1.0.0, 1.1.0" in found
    assert "Only one sdist may be uploaded per release" in found
    assert "notes.txt" not in found
    # Three versions, so the tag is not compared (one problem is enough).
    assert "tag v2.0.0" not in found
    assert len(report.problems) == 8

    failure = CheckFailed(report.problems)
    assert failure.message.startswith("the distributions have 8 problems; nothing was uploaded:")
    assert len(failure.message.splitlines()) == 9
    hints = failure.hint.splitlines()
    assert len(hints) == len(set(hints)), "each hint once"
    assert set(hints) <= {p.hint for p in report.problems} | {
        line for p in report.problems for line in p.hint.splitlines()
    }


def test_check_failed_for_one_problem() -> None:
    failure = CheckFailed([Problem("a.whl", "is broken", "rebuild it")])
    assert (
        failure.message
        == "the distributions have 1 problem; nothing was uploaded:\n  - a.whl: is broken"
    )
    assert failure.hint == "rebuild it"


# -- scan_packages_dir ---------------------------------------------------------------------


def test_scan_packages_dir_sorts_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "dist"
    folder.mkdir()
    sdist, wheel = make_pair(folder)
    (folder / f"{wheel.name}.publish.attestation").write_text("{}")
    (folder / f"{sdist.name}.publish.attestation").write_text("{}")
    (folder / f"{sdist.name}.sig").write_bytes(b"sig")
    (folder / f"{sdist.name}.asc").write_bytes(b"asc")
    (folder / f"{wheel.name}.sigstore.json").write_text("{}")
    (folder / ".gitignore").write_text("*\n")
    (folder / "SHA256SUMS").write_text("...")
    (folder / "build-log.txt").write_text("...")
    impostor = folder / "other-1.0-py3-none-any.whl"
    impostor.mkdir()  # download-artifact can leave dist/x.whl/x.whl behind
    (impostor / impostor.name).write_bytes(wheel.read_bytes())
    subfolder = folder / "old"
    subfolder.mkdir()
    link = folder / "linked-1.0.tar.gz"
    link.symlink_to(sdist)

    contents = scan_packages_dir(folder)
    inner = impostor / impostor.name
    assert [d.path for d in contents.dists] == [inner, wheel, sdist]
    assert [d.kind for d in contents.dists] == ["wheel", "wheel", "sdist"]
    assert list(contents.artifact_folders) == [impostor]
    assert list(contents.not_files) == [link]
    assert list(contents.ignored) == [folder / "SHA256SUMS", folder / "build-log.txt", subfolder]


def test_one_folder_per_artifact_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "dist"
    for artifact in ("sdist", "wheels-linux", "wheels-macos"):
        (folder / artifact).mkdir(parents=True)
    sdist = make_sdist(folder / "sdist")
    linux = make_wheel(
        folder / "wheels-linux", filename=f"{dist_stem(NAME, VERSION)}-1-py3-none-any.whl"
    )
    macos = make_wheel(
        folder / "wheels-macos", filename=f"{dist_stem(NAME, VERSION)}-2-py3-none-any.whl"
    )
    copy = folder / "wheels-macos" / linux.name  # the same wheel in two artifacts
    copy.write_bytes(linux.read_bytes())

    contents = scan_packages_dir(folder)

    assert sorted(d.path for d in contents.dists) == sorted([sdist, linux, macos])
    assert [p.name for p in contents.artifact_folders] == ["sdist", "wheels-linux", "wheels-macos"]
    assert list(contents.duplicates) == [copy]
    assert contents.conflicts == ()

    copy.write_bytes(linux.read_bytes() + b"\0")
    assert scan_packages_dir(folder).conflicts == ((linux, copy),)


def test_scan_a_missing_folder(tmp_path: Path) -> None:
    contents = scan_packages_dir(tmp_path / "nope")
    assert contents.dists == ()
    assert contents.not_files == ()
    assert contents.ignored == ()


def test_dist_file_hashes(tmp_path: Path) -> None:
    import hashlib

    wheel = make_wheel(tmp_path)
    data = wheel.read_bytes()
    dist = DistFile(wheel)
    assert dist.size == len(data)
    assert dist.hashes.sha256 == hashlib.sha256(data).hexdigest()
    assert dist.hashes.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert dist.hashes.blake2_256 == hashlib.blake2b(data, digest_size=32).hexdigest()


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_metadata_that_is_not_utf8_is_a_problem(tmp_path: Path, kind: str) -> None:
    text = metadata_text(extra=[("Author", "François")])
    make = make_wheel if kind == "wheel" else make_sdist
    path = make(tmp_path, metadata=text, encoding="latin-1")
    report = check([path])
    # twine cannot decode the field, so it will not upload the file (PyPI would never see it).
    assert messages(report) == [
        f"{path.name}: twine refuses to upload it: Invalid distribution metadata: "
        "unrecognized or malformed field 'author'"
    ]


# -- through the CLI's check command ---------------------------------------------------------


def test_cli_check_passes_a_valid_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_pair(tmp_path)
    assert main(["check", str(tmp_path)], environ={}) == 0
    err = capsys.readouterr().err
    assert f"{SDIST}: passed" in err
    assert f"{NAME} {VERSION}: all 2 files pass" in err


def test_cli_check_reports_every_problem_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_wheel(tmp_path, bad_hash_for=MODULE)
    make_sdist(tmp_path, version="1.0+local", links=[("evil", "/etc/passwd", "symlink")])
    code = main(["check", str(tmp_path), "--tag", "v2.0"], environ={})
    out, err = capsys.readouterr()
    assert code == 1
    assert "error: the distributions have 4 problems; nothing was uploaded:" in err
    assert "didn't match RECORD" in err
    assert "points outside the archive" in err
    assert "local versions" in err  # PyPI is the default repository-url
    assert "holds 2 versions" in err
    assert "\nhint: " in err
    assert "Traceback" not in out + err


def test_a_metadata_bomb_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import py_release.distributions.check as check_module
    from tests.unit.artefacts import metadata_text

    def never(dist: DistFile) -> object:
        raise AssertionError("the metadata of a bomb must not be read")

    monkeypatch.setattr(check_module, "upload_form", never)
    body = "A" * (17 * 1024 * 1024)  # 17 MiB that deflate to a few KiB
    wheel = make_wheel(tmp_path, metadata=metadata_text() + body)

    report = check_distributions([DistFile(wheel)], CheckOptions())

    (problem,) = report.problems
    assert "dist-info/METADATA unpacks to 17,8" in problem.message
    assert "not read" in problem.message


def test_the_wheel_builds_from_the_sdist_on_pythons_without_tar_filters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tarfile

    from py_release.distributions import build as build_module

    # Python 3.11.0-3.11.3: no tarfile.data_filter, and extractall() takes no filter.
    monkeypatch.delattr(tarfile, "data_filter")
    original = tarfile.TarFile.extractall

    def old_extractall(self: tarfile.TarFile, path: str | Path = ".", members: object = None,
                       *, numeric_owner: bool = False) -> None:  # fmt: skip
        original(self, path, numeric_owner=numeric_owner, filter="fully_trusted")

    monkeypatch.setattr(tarfile.TarFile, "extractall", old_extractall)
    sdist = make_sdist(tmp_path)

    top = build_module._extract(sdist, tmp_path / "out")

    assert (top / "PKG-INFO").is_file()
