"""The release's SBOM: valid CycloneDX 1.6 by the CycloneDX library's own strict schema check,
the same bytes for the same files (a re-run's GitHub Release asset must compare as the same
file), and left alone in packages-dir as a companion of the distributions."""

from __future__ import annotations

import json
from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from py_release.dependencies.declared import declared_requirements
from py_release.dependencies.sbom import sbom_json, write_sbom
from py_release.distributions.files import DistFile, scan_packages_dir
from tests.unit.artefacts import NAME, VERSION, make_sdist, make_wheel, metadata_text

REQUIRES = [
    ("Requires-Dist", "requests>=2,<3"),
    ("Provides-Extra", "socks"),
    ("Requires-Dist", "PySocks>=1.5.6; extra == 'socks'"),
]


def _dists(folder: Path) -> list[DistFile]:
    metadata = metadata_text(extra=REQUIRES)
    return [
        DistFile(make_sdist(folder, metadata=metadata)),
        DistFile(make_wheel(folder, metadata=metadata)),
    ]


def test_the_sbom_is_valid_cyclonedx_and_lists_the_files_and_requirements(
    tmp_path: Path,
) -> None:
    dists = _dists(tmp_path)
    declared = declared_requirements(dists[1].path)
    text = sbom_json(NAME, VERSION, dists, declared)

    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    bom = json.loads(text)
    release = bom["metadata"]["component"]
    assert release["purl"] == f"pkg:pypi/{NAME}@{VERSION}"
    files = {c["name"]: c for c in release["components"]}
    assert set(files) == {d.name for d in dists}
    for dist in dists:
        hashes = {h["alg"]: h["content"] for h in files[dist.name]["hashes"]}
        assert hashes["SHA-256"] == dist.hashes.sha256
    requirements = {c["name"]: c for c in bom["components"]}
    assert requirements["requests"]["scope"] == "required"
    assert requirements["requests"]["description"] == "allowed: <3,>=2"
    assert requirements["pysocks"]["scope"] == "optional"
    assert {"name": "py-release:extra", "value": "socks"} in requirements["pysocks"]["properties"]
    (edges,) = [d for d in bom["dependencies"] if d["ref"] == release["bom-ref"]]
    assert len(edges["dependsOn"]) == 2
    assert "timestamp" not in bom["metadata"]


def test_the_same_files_give_the_same_sbom(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _dists(tmp_path / "a")
    second = _dists(tmp_path / "b")  # made byte for byte alike
    declared = declared_requirements(first[1].path)
    assert sbom_json(NAME, VERSION, first, declared) == sbom_json(NAME, VERSION, second, declared)
    other = [first[0]]
    assert sbom_json(NAME, VERSION, other, declared) != sbom_json(NAME, VERSION, first, declared)


def test_packages_dir_keeps_the_sbom_beside_the_files_without_a_warning(tmp_path: Path) -> None:
    dists = _dists(tmp_path)
    path = write_sbom(tmp_path, NAME, VERSION, dists, ())
    assert path.name == "py_release_sample-1.0.0.cdx.json"
    contents = scan_packages_dir(tmp_path)
    assert {d.name for d in contents.dists} == {d.name for d in dists}
    assert contents.ignored == ()
