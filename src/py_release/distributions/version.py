"""Version rules: tag == version, and no local versions on PyPI."""

from __future__ import annotations

from packaging.version import InvalidVersion, Version


def version_from_tag(tag: str) -> Version | None:
    """The PEP 440 version a tag names (``v1.2.3-rc.1`` -> ``1.2.3rc1``), or None."""
    text = tag.strip()
    if text[:1] in ("v", "V"):
        text = text[1:]
    try:
        return Version(text)
    except InvalidVersion:
        return None


def tag_matches(tag: str, version: str) -> bool:
    """True when the tag and the version are the same after PEP 440 normalisation."""
    tagged = version_from_tag(tag)
    if tagged is None:
        return False
    try:
        return tagged == Version(version)
    except InvalidVersion:
        return False


def is_local(version: str) -> bool:
    try:
        return Version(version).local is not None
    except InvalidVersion:
        return False
