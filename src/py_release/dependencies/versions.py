"""Which version of a declared requirement its users get today: the newest release on the
index that the range allows, as an installer picks it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version


def newest_allowed(releases: Mapping[str, Any], specifier: SpecifierSet) -> Version | None:
    """The newest version of ``releases`` (the JSON API's ``releases``: version -> files) that
    ``specifier`` allows. A version whose every file is yanked is left out unless the
    specifier pins it with ``==`` or ``===`` (PEP 592); pre-releases only as the specifier
    allows them (packaging's rules: when it names one, or when nothing else matches); a
    version with no files cannot be installed and is left out."""
    pinned = {s.version for s in specifier if s.operator in ("==", "===")}
    candidates = []
    for text, files in releases.items():
        try:
            version = Version(text)
        except InvalidVersion:
            continue  # a legacy version no installer resolves to
        if not isinstance(files, list) or not files:
            continue
        yanked = all(isinstance(f, dict) and f.get("yanked") for f in files)
        if yanked and text not in pinned and str(version) not in pinned:
            continue
        candidates.append(version)
    allowed = list(specifier.filter(candidates))
    return max(allowed) if allowed else None
