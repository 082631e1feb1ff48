"""Create (or reuse) the virtual environment that runs py-release.

Run by scripts/bootstrap (which found a Python 3.11+) for the composite action and the Dockerfile.
The venv holds the hash-pinned requirements/action.lock; the action's own package is made
importable by a .pth file naming its src folder, so nothing is built. A venv is reused when its
marker file holds the key of the lock, interpreter and action folder it was made from. The venv's
python is printed on stdout and appended to $GITHUB_OUTPUT as `python=...`; progress goes to
stderr. Standard library only.

Usage: python scripts/bootstrap.py [--venv PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ACTION_DIR = Path(__file__).resolve().parent.parent
LOCK_FILE = ACTION_DIR / "requirements" / "action.lock"
MARKER = ".py-release-ready"
PTH_FILE = "py_release_action.pth"


class BootstrapError(Exception):
    """A failure reported as one ::error:: line, without a traceback."""


def inert(text: str) -> str:
    """``text`` with no line the runner would read as a workflow command: a zero-width space
    between the colons of a leading ``::`` and in every ``##[`` (py_release.github.log_text
    does the same for the action; this script runs before it is installed)."""
    lines = []
    for line in re.split(r"\r\n|\r|\n", text):
        line = line.replace("##[", "#\u200b#[")
        cut = len(line) - len(line.lstrip())
        if line.startswith("::", cut):
            line = f"{line[:cut]}:\u200b:{line[cut + 2 :]}"
        lines.append(line)
    return "\n".join(lines)


def log(message: str) -> None:
    """A progress line; paths in it come from the environment, so it is made inert."""
    print(inert(message), file=sys.stderr, flush=True)


def escape_command_data(text: str) -> str:
    """Escape text for a GitHub workflow command such as ::error::."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def venv_key(lock: bytes, python_version: str, action_dir: Path) -> str:
    """Name a venv by what it is made from: the lock, the interpreter and the action's folder."""
    data = lock + python_version.encode() + str(action_dir.absolute()).encode()
    return hashlib.sha256(data).hexdigest()[:16]


def cache_root(environ: Mapping[str, str]) -> Path:
    if explicit := environ.get("PY_RELEASE_CACHE"):
        return Path(explicit)
    if tool_cache := environ.get("RUNNER_TOOL_CACHE"):
        return Path(tool_cache) / "py-release"
    return Path.home() / ".cache" / "py-release"


def venv_python(venv_dir: Path) -> Path:
    if os.name == "nt":
        return venv_dir / "Scripts" / "python.exe"
    return venv_dir / "bin" / "python"


def is_ready(venv_dir: Path, key: str) -> bool:
    try:
        marker = (venv_dir / MARKER).read_text(encoding="utf-8")
    except OSError:
        return False
    return marker == key and venv_python(venv_dir).exists()


@contextmanager
def log_group(title: str) -> Iterator[None]:
    """Fold the output inside into one collapsible group in the Actions log."""
    in_actions = bool(os.environ.get("GITHUB_ACTIONS"))
    if in_actions:
        print(f"::group::{escape_command_data(title)}", file=sys.stderr, flush=True)
    try:
        yield
    finally:
        if in_actions:
            print("::endgroup::", file=sys.stderr, flush=True)


def create_venv(venv_dir: Path, *, with_pip: bool) -> None:
    """Create an empty venv, removing a half-made one (never a folder that is not a venv)."""
    if venv_dir.exists():
        if any(venv_dir.iterdir()) and not (venv_dir / "pyvenv.cfg").exists():
            raise BootstrapError(
                f"{venv_dir} exists and is not a virtual environment; not replacing it"
            )
        shutil.rmtree(venv_dir)
    venv.EnvBuilder(with_pip=with_pip, symlinks=os.name != "nt").create(venv_dir)


def install_command(python: Path, lock_file: Path, uv: str | None) -> list[str]:
    pinned = ["--require-hashes", "--no-deps", "-r", str(lock_file)]
    if uv is not None:
        # No --compile-bytecode: compiling every package costs more than Python compiling, on
        # first start, only the modules it imports (measured in bench P3).
        return [uv, "pip", "install", "--python", str(python), *pinned]
    return [str(python), "-m", "pip", "install", "--disable-pip-version-check", *pinned]


def requirement_block(lock_text: str, name: str) -> str:
    """The lines of one requirement in a hash-pinned lock: ``name==v \\`` and its hashes."""
    lines = lock_text.splitlines()
    for number, line in enumerate(lines):
        if line.startswith(f"{name}=="):
            block = [line]
            for follow in lines[number + 1 :]:
                if not follow.strip().startswith("--hash"):
                    break
                block.append(follow)
            return "\n".join(block).rstrip(" \\") + "\n"
    raise BootstrapError(f"{name} is not pinned in the lock file")


def uv_in(venv_dir: Path) -> Path:
    return venv_dir / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")


def install_uv_with_pip(python: Path, venv_dir: Path, lock_file: Path) -> str:
    """pip installs only uv, hash-pinned from the same lock; uv then installs the rest (pip
    takes ~25 s for the whole lock, uv ~2 s)."""
    block = requirement_block(lock_file.read_text(encoding="utf-8"), "uv")
    only_uv = venv_dir / "uv-requirement.txt"
    only_uv.write_text(block, encoding="utf-8")
    install(python, only_uv, None)
    only_uv.unlink()
    return str(uv_in(venv_dir))


def install(python: Path, lock_file: Path, uv: str | None) -> None:
    # Run from the action's folder so a uv.toml or [tool.uv] of the user's project does not apply.
    result = subprocess.run(
        install_command(python, lock_file, uv), cwd=ACTION_DIR, stdout=sys.stderr, check=False
    )
    if result.returncode != 0:
        tool = "uv pip install" if uv is not None else "pip install"
        raise BootstrapError(
            f"{tool} of {lock_file} into {python.parent.parent} failed (exit {result.returncode})"
        )


def site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    result = subprocess.run(
        [str(python), "-I", "-c", code], capture_output=True, text=True, check=True
    )
    return Path(result.stdout.strip())


def make_package_importable(python: Path, src_dir: Path) -> None:
    (site_packages(python) / PTH_FILE).write_text(f"{src_dir}\n", encoding="utf-8")


def ensure_venv(venv_dir: Path, key: str, lock_file: Path) -> Path:
    """Return the python of a ready venv for `key`, reusing one or building it from scratch."""
    python = venv_python(venv_dir)
    if is_ready(venv_dir, key):
        log(f"py-release: reused the virtual environment {venv_dir} (key {key})")
        return python
    uv = shutil.which("uv")
    with log_group("py-release: install dependencies"):
        how = "uv" if uv else "pip, then the locked uv"
        log(f"py-release: creating {venv_dir} (key {key}) with {how}")
        create_venv(venv_dir, with_pip=uv is None)
        if uv is None:
            uv = install_uv_with_pip(python, venv_dir, lock_file)
        install(python, lock_file, uv)
        make_package_importable(python, ACTION_DIR / "src")
    (venv_dir / MARKER).write_text(key, encoding="utf-8")  # last: the venv is complete
    log(f"py-release: created the virtual environment {venv_dir}")
    return python


def write_output(python: Path, environ: Mapping[str, str]) -> None:
    if "\n" in str(python) or "\r" in str(python):
        # One line per output: a line break would write outputs of its own.
        raise BootstrapError(f"the Python path {str(python)!r} holds a line break")
    if output_file := environ.get("GITHUB_OUTPUT"):
        with Path(output_file).open("a", encoding="utf-8") as out:
            out.write(f"python={python}\n")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--venv", type=Path, help="where to put the venv (default: in the cache)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        key = venv_key(LOCK_FILE.read_bytes(), sys.version, ACTION_DIR)
        venv_dir = args.venv or cache_root(os.environ) / f"venv-{key}"
        python = ensure_venv(venv_dir.absolute(), key, LOCK_FILE)
        write_output(python, os.environ)
    except (BootstrapError, OSError, subprocess.CalledProcessError) as exc:
        print(
            f"::error title=py-release::{escape_command_data(f'bootstrap failed: {exc}')}",
            file=sys.stderr,
        )
        return 1
    print(python, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
