import sys

from py_release.cli import main

sys.exit(main())
