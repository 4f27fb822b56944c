"""`python -m localrun`: see `localrun.cli`."""

import sys

from localrun.cli import main

sys.exit(main())
