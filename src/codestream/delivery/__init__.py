"""delivery room."""
