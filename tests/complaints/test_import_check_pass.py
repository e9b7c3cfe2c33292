"""The check pass pauses Python's cycle collector while it holds a chunk of rows, and leaves
it as it found it."""

import gc

import pytest

from complaints.importing.checking import _cycle_collection_paused


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_during_the_pass_and_on_again_after(collector_on):
    with _cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_back_on_when_the_pass_fails(collector_on):
    with pytest.raises(RuntimeError), _cycle_collection_paused():
        raise RuntimeError
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_on):
    gc.disable()
    with _cycle_collection_paused():
        pass
    assert not gc.isenabled()
