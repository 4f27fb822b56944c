"""A tiny stack (tests/localrun/fixtures/template.yaml) deployed into moto, for the runner's own tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from localrun.stack import LocalStack
from localrun.stepfunctions import EXECUTE_STATE_MACHINES

FIXTURE_TEMPLATE = Path(__file__).parent / "fixtures" / "template.yaml"


@pytest.fixture
def fixture_stack() -> Iterator[LocalStack]:
    with mock_aws(config=EXECUTE_STATE_MACHINES):
        yield LocalStack.deploy(FIXTURE_TEMPLATE)
