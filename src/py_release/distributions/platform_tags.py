"""The wheel platform tags PyPI accepts, and the fix for one it refuses.

PyPI takes a platform only where an ABI specification says how to build for it (manylinux,
musllinux, macOS, Windows, iOS, Android, Emscripten); a plain ``linux_x86_64`` wheel, as
``pip wheel`` or ``python -m build`` makes on any Linux machine, is refused at upload. The list
follows warehouse's ``forklift/legacy.py``; ``packaging`` has no such list.
"""

from __future__ import annotations

import re

_FIXED = frozenset(
    {
        "any",
        "win32",
        "win_arm64",
        "win_amd64",
        "win_ia64",
        "manylinux1_x86_64",
        "manylinux1_i686",
        "manylinux2010_x86_64",
        "manylinux2010_i686",
        "manylinux2014_x86_64",
        "manylinux2014_i686",
        "manylinux2014_aarch64",
        "manylinux2014_armv7l",
        "manylinux2014_ppc64",
        "manylinux2014_ppc64le",
        "manylinux2014_s390x",
        "linux_armv6l",
        "linux_armv7l",
    }
)
_MACOS = re.compile(r"macosx_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.*)")
_MACOS_ARCHES = frozenset(
    {
        "ppc",
        "ppc64",
        "i386",
        "x86_64",
        "arm64",
        "intel",
        "fat",
        "fat3",
        "fat64",
        "universal",
        "universal2",
    }
)
# From macOS 11 each major release is one tag, macosx_{major}_0; 10.x kept its minors.
_MACOS_MAJORS = frozenset({"11", "12", "13", "14", "15", "26"})
_IOS = re.compile(r"ios_\d+_\d+_(?P<arch>.*)_(iphoneos|iphonesimulator)")
_IOS_ARCHES = frozenset({"arm64", "x86_64"})
_ANDROID = re.compile(r"android_\d+_(?P<arch>.*)")
_ANDROID_ARCHES = frozenset({"armeabi_v7a", "arm64_v8a", "x86", "x86_64"})
_LINUX = re.compile(r"(?P<libc>many|musl)linux_\d+_\d+_(?P<arch>.*)")
_MUSLLINUX_ARCHES = frozenset(
    {"x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64"}
)
_MANYLINUX_ARCHES = _MUSLLINUX_ARCHES | {"ppc64"}
_EMSCRIPTEN = re.compile(r"pyemscripten_\d+_\d+_wasm32")


def pypi_accepts_platform(platform: str) -> bool:
    if platform in _FIXED:
        return True
    if macos := _MACOS.match(platform):
        if macos["arch"] not in _MACOS_ARCHES:
            return False
        return macos["major"] == "10" or (macos["major"] in _MACOS_MAJORS and macos["minor"] == "0")
    if linux := _LINUX.match(platform):
        arches = _MUSLLINUX_ARCHES if linux["libc"] == "musl" else _MANYLINUX_ARCHES
        return linux["arch"] in arches
    if ios := _IOS.match(platform):
        return ios["arch"] in _IOS_ARCHES
    if android := _ANDROID.match(platform):
        return android["arch"] in _ANDROID_ARCHES
    return _EMSCRIPTEN.match(platform) is not None


def platform_hint(platform: str) -> str:
    """How to get a wheel PyPI takes, for the kind of platform refused."""
    sdist_only = "or publish only the sdist from this job (build: sdist)"
    if platform.startswith("linux_"):
        return (
            "a wheel built on plain Linux links to that machine's libraries: build it with "
            "cibuildwheel (manylinux/musllinux images), or repair it with `auditwheel repair`, "
            + sdist_only
        )
    if platform.startswith("macosx_"):
        return (
            "PyPI takes macosx_10_<minor>_<arch> and macosx_<11 and later>_0_<arch>: build with "
            "cibuildwheel or repair the wheel with `delocate-wheel`, " + sdist_only
        )
    return "build the wheel with cibuildwheel for a platform PyPI supports, " + sdist_only
