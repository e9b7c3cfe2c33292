"""Pausing Python's cyclic garbage collector around allocation-heavy work."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _CollectorPause:
    """Python's cyclic garbage collector paused for a burst of allocation, then one
    collection of what the burst left.

    The collector's passes are triggered by allocation counts, and each full pass walks every
    live object in the process. Work that allocates millions of objects and frees them by
    reference counting (a PDF's layout, an import's chunk of rows) pays for hundreds of
    passes that find little or nothing: a fifth to a quarter of its time (docs/benchmarks.md).
    Whatever the burst left in reference cycles is all in the youngest generation, as no
    pass has run since it was made, so one young-generation collection as the pause ends
    frees it without walking the rest of the heap, and its cost stays with the work.

    Process-wide, as the collector is: nested or concurrent pauses (threads) keep it paused
    until the last one ends, and it is switched back on only if it was on before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = True

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    gc.collect(0)  # everything made meanwhile is still in generation 0
                    if self._was_enabled:
                        gc.enable()


collector_paused = _CollectorPause()
