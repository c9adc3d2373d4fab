"""apppackage room."""
