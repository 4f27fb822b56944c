"""The replacements for moto's shortcuts that grow with the data, switched on and off together.

`make run`, the integration suite and `make fuzz` run on the same moto: transactions rolled back item by item
(`dynamodb_transactions`), queues without whole-queue walks (`sqs_scans`) and model objects recorded weakly
(`moto_instances`). See localrun/README.md, "moto's costs that grow with the data".
"""

from localrun.dynamodb_transactions import disable_item_level_rollback, enable_item_level_rollback
from localrun.moto_instances import disable_weak_instance_tracking, enable_weak_instance_tracking
from localrun.sqs_scans import disable_short_queue_scans, enable_short_queue_scans


def enable_moto_fixes() -> None:
    """In this process: `mock_aws()` and a `ThreadedMotoServer` alike."""
    enable_item_level_rollback()
    enable_short_queue_scans()
    enable_weak_instance_tracking()


def disable_moto_fixes() -> None:
    disable_weak_instance_tracking()
    disable_short_queue_scans()
    disable_item_level_rollback()
