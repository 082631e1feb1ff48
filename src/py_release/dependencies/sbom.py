"""The release's CycloneDX SBOM (JSON, spec 1.6), written beside its files and attached to the
GitHub Release when one is made: the project and version, each file with its hashes, and each
requirement its wheels declare (the range as declared, the extra it belongs to).

The document is a function of the files alone: no timestamp, no tool version, and a serial
number derived from the files' hashes. A re-run of the same release writes the same bytes, so
the GitHub Release's asset compares as the same file (an asset is never replaced). Known
vulnerabilities are left out for the same reason: they change with the advisory data, and the
job summary lists them.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from pathlib import Path

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentScope, ComponentType
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL
from packaging.utils import canonicalize_name

from py_release.dependencies.declared import Declared
from py_release.distributions.files import DistFile

SUFFIX = ".cdx.json"
MEDIA_TYPE = "application/vnd.cyclonedx+json"
_NAMESPACE = uuid.UUID("8b1a7f3c-63a2-4d5e-9a57-3f0d2c8e4b61")  # py-release's SBOM serials


def sbom_name(project: str, version: str) -> str:
    return f"{canonicalize_name(project).replace('-', '_')}-{version}{SUFFIX}"


def _file(dist: DistFile) -> Component:
    hashes = dist.hashes
    return Component(
        name=dist.name,
        type=ComponentType.FILE,
        bom_ref=f"file:{dist.name}",
        hashes=[
            HashType(alg=HashAlgorithm.SHA_256, content=hashes.sha256),
            HashType(alg=HashAlgorithm.BLAKE2B_256, content=hashes.blake2_256),
            HashType(alg=HashAlgorithm.MD5, content=hashes.md5),
        ],
        properties=[Property(name="py-release:kind", value=dist.kind or "")],
    )


def _requirement(declared: Declared) -> Component:
    properties = [Property(name="py-release:requirement", value=str(declared.requirement))]
    properties += [Property(name="py-release:extra", value=extra) for extra in declared.extras]
    return Component(
        name=declared.name,
        type=ComponentType.LIBRARY,
        bom_ref=f"requirement:{declared.requirement}",
        purl=PackageURL(type="pypi", name=declared.name),
        description=f"allowed: {declared.allowed}",
        scope=ComponentScope.OPTIONAL if declared.extras else ComponentScope.REQUIRED,
        properties=properties,
    )


def sbom_json(
    project: str, version: str, dists: Sequence[DistFile], declared: Sequence[Declared]
) -> str:
    name = canonicalize_name(project)
    files = sorted(dists, key=lambda d: d.name)
    release = Component(
        name=name,
        version=version,
        type=ComponentType.LIBRARY,
        bom_ref=f"pkg:pypi/{name}@{version}",
        purl=PackageURL(type="pypi", name=name, version=version),
        components=[_file(d) for d in files],
    )
    requirements = [_requirement(d) for d in declared]
    digest = hashlib.sha256("\n".join(d.hashes.sha256 for d in files).encode()).hexdigest()
    bom = Bom(
        serial_number=uuid.uuid5(_NAMESPACE, f"{name}=={version}:{digest}"),
        metadata=BomMetaData(component=release, timestamp=None),
        components=requirements,
    )
    bom.metadata.timestamp = None  # type: ignore[assignment]
    bom.register_dependency(release, requirements)
    return str(JsonV1Dot6(bom).output_as_string(indent=2)) + "\n"


def write_sbom(
    folder: Path,
    project: str,
    version: str,
    dists: Sequence[DistFile],
    declared: Sequence[Declared],
) -> Path:
    """Write the SBOM into ``folder`` (packages-dir) and return its path."""
    path = folder / sbom_name(project, version)
    path.write_text(sbom_json(project, version, dists, declared), encoding="utf-8")
    return path
