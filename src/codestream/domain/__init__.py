"""The core: entities, value objects, rules and use cases. Pure Python: no I/O, no frameworks.

Everything outside (storage, web, CLI, bot) reaches the data through the ports in `ports.py`
and changes it only through the use cases in `services/`.
"""
