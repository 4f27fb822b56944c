"""Job results: the Step Functions status change EventBridge delivers, and the Platform Event sent to Salesforce."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

EndedStatus = Literal["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]


class _Detail(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True, extra="ignore")


class DataDetails(_Detail):
    """`inputDetails` / `outputDetails`: `included` is false when the data was too big to ride in the event."""

    included: bool = True


class ExecutionStatusChange(_Detail):
    """`detail` of a "Step Functions Execution Status Change" event, for an execution that ended."""

    execution_arn: str = Field(min_length=1)
    state_machine_arn: str = Field(min_length=1)
    name: str = Field(min_length=1)
    status: EndedStatus
    input: str | None = None
    output: str | None = None
    output_details: DataDetails | None = None
    error: str | None = None
    cause: str | None = None


class ExecutionStatusEvent(BaseModel):
    """The EventBridge event as the rule hands it to the queue."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    source: Literal["aws.states"]
    detail_type: Literal["Step Functions Execution Status Change"] = Field(alias="detail-type")
    detail: ExecutionStatusChange


class JobResultEvent(BaseModel):
    """The fields of the Platform Event `Sfbridge_Job_Result__e`, by API name."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    job_id: str = Field(alias="Job_Id__c")
    job_name: str = Field(alias="Job_Name__c")
    status: EndedStatus = Field(alias="Status__c")
    output: str | None = Field(default=None, alias="Output__c")
    output_truncated: bool = Field(default=False, alias="Output_Truncated__c")
    error_code: str | None = Field(default=None, alias="Error_Code__c")
    error_cause: str | None = Field(default=None, alias="Error_Cause__c")
    execution_arn: str = Field(alias="Execution_Arn__c")
    request_id: str | None = Field(default=None, alias="Request_Id__c")
