"""What an admin sees of a running process: metrics (`metrics.py`), the request id that ties the
log lines of one inbound activity to its sends (`context.py`), and the log formats (`logs.py`).

This package sits on the lowest floor: every room may use it. `context.py` is standard library
only (the domain uses it); nothing here imports another room.
"""
