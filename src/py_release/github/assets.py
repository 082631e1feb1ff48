"""What goes in the GitHub Release of a tag — the distributions and their attestations, and a
body section with the index links and hashes — and how that compares with what a release
already holds. Pure: no call to GitHub."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from py_release import __version__
from py_release.distributions.files import DistFile, FileHashes

BEGIN = "<!-- py-release:begin -->"
END = "<!-- py-release:end -->"
_RECORDED_ROW = re.compile(r"^\| (?:\[)?`([^`]+)`(?:\]\([^)]*\))? \| `([0-9a-f]{64})` \|", re.M)


@dataclass(frozen=True)
class LocalAsset:
    name: str
    path: Path
    size: int
    sha256: str
    content_type: str
    # Where the file can be read on the index (the file itself, or its provenance).
    link: str = ""


@dataclass(frozen=True)
class RemoteAsset:
    name: str
    size: int
    digest: str | None  # "sha256:<hex>", when the API gives it


@dataclass(frozen=True)
class Conflict:
    name: str
    reason: str


@dataclass(frozen=True)
class AssetDiff:
    upload: tuple[LocalAsset, ...]
    same: tuple[str, ...]
    conflicts: tuple[Conflict, ...]


def is_prerelease(version: str) -> bool:
    """PEP 440: a, b, rc and dev releases are pre-releases (post-releases are not)."""
    try:
        return Version(version).is_prerelease
    except InvalidVersion:
        return False


def _sha256(path: Path) -> str:
    return DistFile(path).hashes.sha256


def local_assets(
    dists: Sequence[DistFile],
    attestations: Sequence[tuple[str, Path]],
    *,
    file_links: Mapping[str, str],
    provenance_links: Mapping[str, str],
    sbom: Path | None = None,
) -> tuple[LocalAsset, ...]:
    """Each distribution, then the attestation staged for it (``(distribution, path)``), by
    name, then the release's SBOM: the same files give the same body, however they were found
    or built."""
    assets: list[LocalAsset] = []
    staged = dict(attestations)
    for dist in sorted(dists, key=lambda d: d.name):
        hashes: FileHashes = dist.hashes
        assets.append(
            LocalAsset(
                dist.name,
                dist.path,
                dist.size,
                hashes.sha256,
                "application/octet-stream",
                file_links.get(dist.name, ""),
            )
        )
        attestation = staged.get(dist.name)
        if attestation is not None and attestation.is_file():
            link = provenance_links.get(dist.name, "")
            assets.append(_companion(attestation, "application/json", link))
    if sbom is not None and sbom.is_file():
        assets.append(_companion(sbom, "application/vnd.cyclonedx+json"))
    return tuple(assets)


def _companion(path: Path, content_type: str, link: str = "") -> LocalAsset:
    """A file that travels beside the distributions (an attestation, the SBOM)."""
    return LocalAsset(path.name, path, path.stat().st_size, _sha256(path), content_type, link)


def recorded_hashes(body: str | None) -> dict[str, str]:
    """The sha256 of each file as an earlier run wrote it into its section of the body."""
    section = _our_section(body or "")
    return {match[1]: match[2] for match in _RECORDED_ROW.finditer(section or "")}


def diff_assets(
    local: Sequence[LocalAsset], remote: Sequence[RemoteAsset], recorded: Mapping[str, str]
) -> AssetDiff:
    """Which assets to upload, which the release already has, and which it has otherwise.

    An asset counts as the same file when GitHub's digest equals ours. Where the API gives no
    digest (GitHub Enterprise Server before 3.18), it counts as the same when its size matches
    and the body our earlier run wrote records this sha256 for it: that run computed the hash
    from the bytes it uploaded, and the release keeps both. Anything else is a conflict; an
    asset is never replaced, as a published file is never replaced on the index.
    """
    on_release = {asset.name: asset for asset in remote}
    upload: list[LocalAsset] = []
    same: list[str] = []
    conflicts: list[Conflict] = []
    for asset in local:
        found = on_release.get(asset.name)
        if found is None:
            upload.append(asset)
        elif found.digest is not None:
            if found.digest.lower() == f"sha256:{asset.sha256}":
                same.append(asset.name)
            else:
                conflicts.append(Conflict(asset.name, f"GitHub's digest is {found.digest}"))
        elif found.size != asset.size:
            conflicts.append(Conflict(asset.name, f"{found.size} bytes, this file {asset.size}"))
        elif recorded.get(asset.name) == asset.sha256:
            same.append(asset.name)
        else:
            conflicts.append(
                Conflict(
                    asset.name,
                    "the API gives no digest and the release body records no matching sha256",
                )
            )
    return AssetDiff(tuple(upload), tuple(same), tuple(conflicts))


def body_section(project: str, version: str, project_url: str, assets: Sequence[LocalAsset]) -> str:
    """Our part of the release body, between markers so a re-run can find and replace it."""
    lines = [
        BEGIN,
        f"### {project} {version}",
        "",
        f"On the index: {project_url}" if project_url else "",
        "",
        "| File | SHA256 |",
        "|---|---|",
    ]
    for asset in assets:
        name = f"[`{asset.name}`]({asset.link})" if asset.link else f"`{asset.name}`"
        lines.append(f"| {name} | `{asset.sha256}` |")
    if any(asset.name.endswith(".attestation") for asset in assets):
        lines += [
            "",
            "The `.publish.attestation` files are the PEP 740 attestations the index holds for "
            "each distribution; their links lead to the provenance the index serves.",
        ]
    lines += ["", f"_Published by py-release {__version__}._", END]
    return "\n".join(line for i, line in enumerate(lines) if line or lines[i - 1])


def _our_section(body: str) -> str | None:
    start = body.find(BEGIN)
    end = body.find(END, start)
    if start < 0 or end < 0:
        return None
    return body[start : end + len(END)]


def merge_body(existing: str | None, section: str) -> str:
    """The release body with our section replaced (a re-run) or appended after what people
    wrote (a release someone made by hand), never their text overwritten."""
    existing = existing or ""
    ours = _our_section(existing)
    if ours is not None:
        return existing.replace(ours, section)
    if existing.strip():
        return f"{existing.rstrip()}\n\n{section}"
    return section
