"""The bundle's entry point (build.spec): the window, or the command line when given a command."""

from xinfang_desk.launcher import main

if __name__ == "__main__":
    raise SystemExit(main())
