"""Run the command line with ``python -m xinfang_desk``."""

from xinfang_desk.cli import main

raise SystemExit(main())
