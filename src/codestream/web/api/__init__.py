"""The REST API under /api/v1: thin handlers that parse, call a use case, and shape the answer."""
