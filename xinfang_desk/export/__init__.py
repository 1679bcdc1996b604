"""What leaves the machine: the Excel 台账 with its exchange identity, and the printed PDF documents.

Nothing here imports Qt; every function takes a SQLAlchemy session (or a ledger), the acting user and
plain options, and returns plain data, so the GUI runs it on its worker and the command line calls it
directly.  ``ledger_workbook`` writes the 台账, ``exchange`` reads its identity back and verifies it,
``slips`` prints 交办单, 督办单 and the notices to the petitioner.
"""
