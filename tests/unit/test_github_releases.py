"""The GitHub Release's pure parts: pre-releases, the body, the asset comparison, the errors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from py_release.distributions.files import DistFile
from py_release.github.assets import (
    LocalAsset,
    RemoteAsset,
    body_section,
    diff_assets,
    is_prerelease,
    local_assets,
    merge_body,
    recorded_hashes,
)
from py_release.github.context import load_context
from py_release.github.rest import (
    AssetConflictError,
    GitHubCredentialsError,
    GitHubPermissionError,
    GitHubReleaseError,
    translate,
)

WHEEL_SHA = "a" * 64
SDIST_SHA = "b" * 64
WHEEL = LocalAsset("p-1.0-py3-none-any.whl", Path("p.whl"), 10, WHEEL_SHA, "x", "https://f/w")
SDIST = LocalAsset("p-1.0.tar.gz", Path("p.tar.gz"), 20, SDIST_SHA, "x")
ATTESTATION = LocalAsset(
    "p-1.0-py3-none-any.whl.publish.attestation", Path("a"), 5, "c" * 64, "x", "https://p/prov"
)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0.0", False),
        ("1.0.0rc1", True),
        ("2.0b1", True),
        ("1.0a1", True),
        ("1.0.dev3", True),
        ("1.0.post1", False),
        ("not a version", False),
    ],
)
def test_pre_releases_are_pep_440_pre_releases(version: str, expected: bool) -> None:
    assert is_prerelease(version) is expected


@pytest.mark.parametrize(
    ("remote", "recorded", "upload", "same", "conflict"),
    [
        ([], {}, ["p-1.0-py3-none-any.whl"], [], []),
        ([RemoteAsset(WHEEL.name, 10, f"sha256:{WHEEL_SHA}")], {}, [], [WHEEL.name], []),
        ([RemoteAsset(WHEEL.name, 10, f"SHA256:{WHEEL_SHA.upper()}")], {}, [], [WHEEL.name], []),
        ([RemoteAsset(WHEEL.name, 10, f"sha256:{'f' * 64}")], {}, [], [], [WHEEL.name]),
        # No digest (older GitHub Enterprise Server): size and what the body recorded.
        ([RemoteAsset(WHEEL.name, 10, None)], {WHEEL.name: WHEEL_SHA}, [], [WHEEL.name], []),
        ([RemoteAsset(WHEEL.name, 11, None)], {WHEEL.name: WHEEL_SHA}, [], [], [WHEEL.name]),
        ([RemoteAsset(WHEEL.name, 10, None)], {}, [], [], [WHEEL.name]),
        ([RemoteAsset(WHEEL.name, 10, None)], {WHEEL.name: "f" * 64}, [], [], [WHEEL.name]),
        # Someone else's asset of another name is left alone.
        ([RemoteAsset("notes.txt", 3, "sha256:00")], {}, [WHEEL.name], [], []),
    ],
)
def test_assets_are_compared_by_digest_or_by_size_and_recorded_hash(
    remote: list[RemoteAsset],
    recorded: dict[str, str],
    upload: list[str],
    same: list[str],
    conflict: list[str],
) -> None:
    diff = diff_assets([WHEEL], remote, recorded)

    assert [a.name for a in diff.upload] == upload
    assert list(diff.same) == same
    assert [c.name for c in diff.conflicts] == conflict


def test_the_body_records_every_hash_and_link_and_reads_them_back() -> None:
    section = body_section("p", "1.0", "https://pypi.org/project/p/1.0/", [WHEEL, SDIST])

    assert "On the index: https://pypi.org/project/p/1.0/" in section
    assert f"| [`{WHEEL.name}`](https://f/w) | `{WHEEL_SHA}` |" in section
    assert f"| `{SDIST.name}` | `{SDIST_SHA}` |" in section
    assert "attestation" not in section
    assert recorded_hashes(f"Notes\n\n{section}\n") == {
        WHEEL.name: WHEEL_SHA,
        SDIST.name: SDIST_SHA,
    }


def test_the_body_explains_attestations_and_links_their_provenance() -> None:
    section = body_section("p", "1.0", "", [WHEEL, ATTESTATION])

    assert f"| [`{ATTESTATION.name}`](https://p/prov) | `{'c' * 64}` |" in section
    assert "PEP 740 attestations" in section
    assert "On the index" not in section


def test_hashes_outside_our_section_are_not_trusted() -> None:
    forged = f"| `{WHEEL.name}` | `{WHEEL_SHA}` |"

    assert recorded_hashes(forged) == {}
    assert recorded_hashes(None) == {}


def test_merge_body_keeps_what_people_wrote_and_replaces_only_our_section() -> None:
    first = body_section("p", "1.0", "", [WHEEL])
    second = body_section("p", "1.0", "", [WHEEL, SDIST])

    assert merge_body(None, first) == first
    by_hand = merge_body("Hand-written notes.\n", first)
    assert by_hand == f"Hand-written notes.\n\n{first}"
    rerun = merge_body(f"{by_hand}\n\nA footer.", second)
    assert rerun == f"Hand-written notes.\n\n{second}\n\nA footer."
    assert rerun.count("<!-- py-release:begin -->") == 1


def test_a_403_not_accessible_asks_for_contents_write() -> None:
    error = translate(
        403,
        {"message": "Resource not accessible by integration", "status": "403"},
        doing="creating the release of v1.0",
        repository="o/r",
        api_url="https://api.github.com",
    )

    assert isinstance(error, GitHubPermissionError)
    assert error.message == (
        "GitHub answered 403 Resource not accessible by integration while creating the release "
        "of v1.0"
    )
    assert "permissions: contents: write" in error.hint


def test_a_401_is_a_credentials_error() -> None:
    error = translate(
        401, {"message": "Bad credentials"}, doing="reading the repository o/r",
        repository="o/r", api_url="https://api.github.com",
    )  # fmt: skip

    assert isinstance(error, GitHubCredentialsError)
    assert "github-token" in error.hint


def test_a_404_for_the_repository_names_what_to_check() -> None:
    error = translate(
        404, {"message": "Not Found"}, doing="reading the repository o/r",
        repository="o/r", api_url="https://ghe.example/api/v3",
    )  # fmt: skip

    assert type(error) is GitHubReleaseError
    assert "GITHUB_REPOSITORY (o/r)" in error.hint
    assert "GITHUB_API_URL (https://ghe.example/api/v3)" in error.hint


def test_a_422_already_exists_names_the_field_and_suggests_a_rerun() -> None:
    data = {
        "message": "Validation Failed",
        "errors": [{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}],
    }

    error = translate(422, data, doing="uploading x.whl", repository="o/r", api_url="u")

    assert error.message == (
        "GitHub answered 422 Validation Failed (name already_exists) while uploading x.whl"
    )
    assert "re-run the job" in error.hint
    assert not isinstance(error, AssetConflictError)


def test_an_answer_without_json_still_gives_a_message() -> None:
    error = translate(502, None, doing="uploading x.whl", repository="o/r", api_url="u")

    assert error.message == "GitHub answered 502 while uploading x.whl"


def test_the_api_url_comes_from_github_api_url() -> None:
    assert load_context({}).api_url == "https://api.github.com"
    ghes = load_context({"GITHUB_API_URL": "https://ghe.example/api/v3/"})
    assert ghes.api_url == "https://ghe.example/api/v3"


def test_assets_are_the_dists_by_name_each_followed_by_its_attestation(tmp_path: Path) -> None:
    sdist = tmp_path / "p-1.0.tar.gz"
    wheel = tmp_path / "p-1.0-py3-none-any.whl"
    attestation = tmp_path / "p-1.0-py3-none-any.whl.publish.attestation"
    for path, data in ((sdist, b"sdist"), (wheel, b"wheel"), (attestation, b"{}")):
        path.write_bytes(data)

    assets = local_assets(
        [DistFile(sdist), DistFile(wheel)],  # built order: the sdist first
        [(wheel.name, attestation)],
        file_links={sdist.name: "https://f/s"},
        provenance_links={wheel.name: "https://p/w"},
    )

    assert [(a.name, a.size, a.link) for a in assets] == [
        (wheel.name, 5, ""),
        (attestation.name, 2, "https://p/w"),
        (sdist.name, 5, "https://f/s"),
    ]
    assert assets[0].sha256 == hashlib.sha256(b"wheel").hexdigest()
    assert assets[1].content_type == "application/json"
