"""None made as lasting as Python 3.12 makes it, for the PySide6 calls that return it without a reference.

PySide6 6.12's bindings hand back ``None`` from every call that returns nothing (``setText``, ``setData``,
an item's ``data`` with no value …) without adding the reference the caller then gives up: on Python 3.12
and later ``None`` is immortal and needs none, but on 3.11 each such call takes one of ``None``'s few
thousand references, and once they are used up Python aborts ("deallocating None") — the window closed
without a word a moment after the 工作台 listed a few thousand urgent cases.  ``None`` is never freed
anyway; giving it as many references as 3.12 gives an immortal object keeps it from reaching zero.
"""

from __future__ import annotations

import ctypes
import sys

#: References added to ``None`` on Python 3.11 (3.12 and later keep it immortal themselves).
LASTING_REFERENCES = 1 << 40


def keep_none_alive() -> None:
    """Add ``LASTING_REFERENCES`` to ``None``'s count, once, where Python does not keep it immortal."""
    if sys.version_info >= (3, 12) or sys.getrefcount(None) >= LASTING_REFERENCES:
        return
    count = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt, a PyObject's first field
    count.value += LASTING_REFERENCES
