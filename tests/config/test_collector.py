"""Python's cycle collector paused around allocation-heavy work (a PDF's layout, an import's
check pass), restored as it was, with what the work left in cycles collected as it ends."""

import gc
import threading
import weakref

import pytest

from config.collector import collector_paused


@pytest.fixture(autouse=True)
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_paused_during_the_work_and_back_on_after():
    seen = []
    with collector_paused():
        seen.append(gc.isenabled())
    assert seen == [False]
    assert gc.isenabled()


def test_the_garbage_the_work_leaves_in_cycles_is_collected_as_the_pause_ends():
    class Node:
        pass

    with collector_paused():
        node = Node()
        node.self = node  # a reference cycle: only the cyclic collector can free it
        alive = weakref.ref(node)
        del node
        assert alive() is not None
    assert alive() is None


def test_nested_and_concurrent_pauses_keep_the_collector_paused_until_the_last_ends():
    first_in, first_may_end = threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_in.set()
            first_may_end.wait(5)
            seen["first, after the second ended"] = gc.isenabled()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        with collector_paused():
            pass
        seen["second, after a nested pause"] = gc.isenabled()
    first_may_end.set()
    thread.join(5)
    assert seen == {"second, after a nested pause": False, "first, after the second ended": False}
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_comes_back_on_when_the_work_fails():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("the work failed")
    assert gc.isenabled()
