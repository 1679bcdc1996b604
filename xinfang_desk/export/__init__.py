"""What crosses the unit's boundary: the Excel exchange (``exchange/``) and the printed documents (``documents/``).

Nothing here imports Qt; every function takes an operation context or a session and plain options and
returns plain data, so the GUI runs it on its worker and the command line calls it directly.
"""
