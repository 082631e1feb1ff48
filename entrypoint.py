"""Entry point of the composite action and the container: run the CLI's main()."""

import sys

from py_release.cli import main

sys.exit(main())
