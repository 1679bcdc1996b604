"""The PySide6 desktop app: thin widgets, models and dialogs that call the ledger and export packages.

Loading the UI switches Python's automatic garbage collection off: a collection on the database worker
could destroy a Qt object on the wrong thread, so the app collects on the UI thread instead
(``ui/garbage.py``), and none runs while the app's modules load (about a tenth of the start-up).
"""

import gc

gc.disable()
