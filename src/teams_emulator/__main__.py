"""`python -m teams_emulator`."""

from teams_emulator.cli import main

raise SystemExit(main())
