"""Per-thread function environments: each invocation sees its own variables, the process keeps its own."""

import os
import threading

from localrun.environ import function_environment


def test_variables_apply_inside_the_block_only() -> None:
    with function_environment({"LOCALRUN_TEST_VARIABLE": "inside"}):
        assert os.environ["LOCALRUN_TEST_VARIABLE"] == "inside"
        assert os.getenv("LOCALRUN_TEST_VARIABLE") == "inside"
        assert dict(os.environ)["LOCALRUN_TEST_VARIABLE"] == "inside"

    assert "LOCALRUN_TEST_VARIABLE" not in os.environ


def test_writes_and_deletes_during_an_invocation_stay_in_it() -> None:
    os.environ["LOCALRUN_TEST_KEPT"] = "process"
    try:
        with function_environment({}):
            os.environ["LOCALRUN_TEST_WRITTEN"] = "invocation"
            del os.environ["LOCALRUN_TEST_KEPT"]
            assert "LOCALRUN_TEST_KEPT" not in os.environ

        assert "LOCALRUN_TEST_WRITTEN" not in os.environ
        assert os.environ["LOCALRUN_TEST_KEPT"] == "process"
    finally:
        del os.environ["LOCALRUN_TEST_KEPT"]


def test_another_thread_sees_its_own_environment() -> None:
    seen: list[str | None] = []
    inside = threading.Event()
    done = threading.Event()

    def other_function() -> None:
        with function_environment({"LOCALRUN_TEST_NAME": "other"}):
            inside.set()
            done.wait(5)
            seen.append(os.environ.get("LOCALRUN_TEST_NAME"))

    thread = threading.Thread(target=other_function)
    with function_environment({"LOCALRUN_TEST_NAME": "mine"}):
        thread.start()
        inside.wait(5)
        seen.append(os.environ.get("LOCALRUN_TEST_NAME"))
        done.set()
        thread.join()

    assert seen == ["mine", "other"]
