"""A sample project released by py-release's demo and tests."""

from importlib.metadata import version


def main() -> None:
    print(f"Hello from py-release-sample {version('py-release-sample')}, installed from the index.")
