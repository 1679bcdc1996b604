"""The PySide6 desktop app: thin widgets, models and dialogs that call the ledger and export packages."""
