"""``python -m cnscd_tui`` — the same as the ``cnscd`` command (and the entry of the Windows build)."""

import sys

from cnscd_tui.cli import main

if __name__ == "__main__":
    sys.exit(main())
