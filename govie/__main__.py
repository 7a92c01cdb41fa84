"""``python -m govie`` is the ``govie`` command."""

import sys

from .cli import main

sys.exit(main())
