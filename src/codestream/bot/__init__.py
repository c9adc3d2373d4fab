"""bot room."""
