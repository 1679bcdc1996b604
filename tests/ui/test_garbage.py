"""Garbage is collected on the UI thread only, once CPython's thresholds are passed."""

from __future__ import annotations

import gc
import weakref

from xinfang_desk.ui.garbage import UiThreadGarbageCollector, collect_due


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_a_cycle_is_freed_when_a_collection_is_due() -> None:
    gc.collect()
    first = Node()
    alive = weakref.ref(first)
    del first
    collect_due()
    assert alive() is not None  # nothing due yet: the cycle waits
    litter = [Node() for _ in range(gc.get_threshold()[0] + 10)]
    del litter
    collect_due()
    assert alive() is None


def test_the_app_collector_switches_automatic_collection_off_while_it_lives(qapp) -> None:
    gc.enable()
    collector = UiThreadGarbageCollector(qapp)
    assert not gc.isenabled()
    collector.deleteLater()
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert gc.isenabled()
    gc.disable()  # as the test session runs (tests/conftest.py)
