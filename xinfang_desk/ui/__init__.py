"""The PySide6 desktop app: thin widgets, models and dialogs that call the ledger and export packages.

Loading the UI switches Python's automatic garbage collection off: a collection on the database worker
could destroy a Qt object on the wrong thread, so the app collects on the UI thread instead
(``ui/garbage.py``), and none runs while the app's modules load (about a tenth of the start-up).
On Python 3.11 ``None`` is first given the references PySide6's calls take from it (``ui/none_refs.py``).
"""

import gc

from xinfang_desk.ui.none_refs import keep_none_alive

gc.disable()
keep_none_alive()
