from py_release.cli import entry

entry()
