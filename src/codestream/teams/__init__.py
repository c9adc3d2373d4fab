"""teams room."""
