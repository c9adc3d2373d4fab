"""`python -m codestream` runs the CLI."""

from codestream.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
