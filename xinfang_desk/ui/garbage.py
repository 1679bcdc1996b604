"""Python's cyclic garbage collector, run only on the UI thread.

A Qt object must be destroyed on the thread that owns it.  When Python's collector happens to run on
the database worker, it can free a cycle holding a dead dialog or widget there and Qt crashes.  As
Anki does, automatic collection is switched off and a timer on the UI thread collects instead,
generation by generation with CPython's own thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: How often the UI thread looks whether a collection is due.
INTERVAL_MS = 500


def collect_due() -> None:
    """Collect the oldest generation whose count passed its threshold (as CPython would)."""
    counts = gc.get_count()
    thresholds = gc.get_threshold()
    due = [g for g in range(3) if thresholds[g] and counts[g] > thresholds[g]]
    if due:
        gc.collect(max(due))


class UiThreadGarbageCollector(QObject):
    """Switches automatic collection off for the life of the app and collects on a UI-thread timer."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(collect_due)
        self._timer.start()
        self.destroyed.connect(lambda *_: gc.enable())


def settle_before_exit() -> None:
    """Free what is left while Qt is still alive, and keep the interpreter's last collection off it.

    At shutdown Python collects garbage once more, after Qt's application object is gone; a PySide6
    wrapper freed then can release a reference it does not own and abort the process ("Fatal
    Python error: none_dealloc").  Deferred deletions run and the collector runs here, on the UI
    thread with Qt alive; ``gc.freeze`` then moves every survivor out of the final collection's
    reach (the process is ending: their memory goes back with it).
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    gc.freeze()
