"""The app as a process: garbage collection tuned for serving."""

import gc

from crm.app import collecting_for_requests


def test_serving_keeps_startup_objects_out_of_collections_and_collects_less_often():
    before = gc.get_threshold()
    with collecting_for_requests():
        assert gc.get_freeze_count() > 10_000  # modules, classes, routes, schemas
        assert gc.get_threshold() == (20_000, *before[1:])
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
