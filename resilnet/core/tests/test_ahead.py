"""A generator run ahead in a thread: its items in order and at most `depth` ahead, its
calls back run on the consumer's thread, errors raised where they belong, the thread
ended when the consumer stops early, the consumer's language and the interpreter's
switch interval kept."""

from __future__ import annotations

import sys
import threading

import pytest
from django.utils import translation
from django.utils.translation import gettext

from resilnet.core.ahead import Ahead


def test_items_come_in_order_from_another_thread_and_calls_run_on_the_consumers():
    consumer = threading.get_ident()
    seen: list[tuple[int, int, int]] = []

    def make(in_consumer):
        for i in range(50):
            ran_on = in_consumer(threading.get_ident) if i % 10 == 0 else consumer
            yield i, threading.get_ident(), ran_on

    for item in Ahead(make):
        seen.append(item)
    assert [i for i, _, _ in seen] == list(range(50))
    assert {producer for _, producer, _ in seen} != {consumer}
    assert {ran_on for _, _, ran_on in seen} == {consumer}


def test_the_generator_is_at_most_depth_items_ahead():
    made: list[int] = []
    ahead_by: list[int] = []

    def make(_in_consumer):
        for i in range(30):
            made.append(i)
            yield i

    for consumed, _ in enumerate(Ahead(make, depth=2), start=1):
        threading.Event().wait(0.005)  # a slow consumer: the generator runs up to its bound
        ahead_by.append(len(made) - consumed)
    # `depth` items queued, one more made and waiting to be queued, never more.
    assert max(ahead_by) == 3


def test_an_error_of_the_generator_is_raised_in_the_consumer_after_the_items_before_it():
    def make(_in_consumer):
        yield 1
        yield 2
        raise ValueError("row 3 unreadable")

    got = []

    def consume():
        for item in Ahead(make):
            got.append(item)

    with pytest.raises(ValueError, match="row 3 unreadable"):
        consume()
    assert got == [1, 2]


def test_an_error_before_the_first_item_is_raised_in_the_consumer():
    def make(_in_consumer):
        raise FileNotFoundError("no such file")  # not a generator: fails when called

    with pytest.raises(FileNotFoundError, match="no such file"):
        list(Ahead(make))


def test_an_error_of_a_call_back_is_raised_in_the_generator_then_in_the_consumer():
    handled = []

    def failing():
        raise LookupError("no such school")

    def make(in_consumer):
        try:
            in_consumer(failing)
        except LookupError as exc:
            handled.append(str(exc))
            raise
        yield 1

    with pytest.raises(LookupError, match="no such school"):
        list(Ahead(make))
    assert handled == ["no such school"]


@pytest.mark.parametrize("stop", ["break", "exception"])
def test_a_consumer_stopping_early_closes_the_generator_and_ends_its_thread(stop):
    closed = threading.Event()
    before = threading.active_count()

    def make(_in_consumer):
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    items = iter(Ahead(make, depth=2))
    try:
        for i in items:
            if i == 5:
                if stop == "break":
                    break
                raise RuntimeError("write failed")
    except RuntimeError:
        pass
    finally:
        items.close()  # as `contextlib.closing` does in the import
    assert closed.wait(5)
    assert threading.active_count() == before


def test_the_generator_speaks_the_consumers_language():
    def make(_in_consumer):
        yield translation.get_language(), gettext("Password")

    with translation.override("fr"):
        ((language, word),) = list(Ahead(make))
    assert language == "fr"
    assert word != "Password"


def test_the_switch_interval_is_short_while_running_and_set_back_after():
    default = sys.getswitchinterval()
    during = []

    def make(_in_consumer):
        yield 1

    for _ in Ahead(make):
        during.append(sys.getswitchinterval())
    assert during[0] < default
    assert sys.getswitchinterval() == default
