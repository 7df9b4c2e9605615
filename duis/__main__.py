"""``python -m duis`` is the ``duis`` command."""

import sys

from duis.cli import main

sys.exit(main())
