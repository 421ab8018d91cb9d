"""The work queue on AWS: failed work run again (a new Step Functions execution, a message back
on its queue, a function invoked again), and which step of an execution failed."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from civiq.core.errors import Conflict


class AwsReruns:
    def __init__(self, stepfunctions: Any, sqs: Any, lambda_: Any) -> None:
        self._sfn = stepfunctions
        self._sqs = sqs
        self._lambda = lambda_

    def rerun_execution(self, state_machine_arn: str, name: str, execution_input: str) -> None:
        try:
            self._sfn.start_execution(
                stateMachineArn=state_machine_arn, name=name, input=execution_input
            )
        except self._sfn.exceptions.ExecutionAlreadyExists:
            return  # started by an earlier retry of the same item

    def requeue(self, dead_letter_queue_arn: str, body: str) -> None:
        """To the queue whose redrive policy names this dead-letter queue (SQS knows it)."""
        dead_letters = self._sqs.get_queue_url(QueueName=dead_letter_queue_arn.rsplit(":", 1)[1])
        sources = self._sqs.list_dead_letter_source_queues(QueueUrl=dead_letters["QueueUrl"])
        urls = sources.get("queueUrls", [])
        if len(urls) != 1:
            raise Conflict(
                f"{len(urls)} queues send their dead letters to {dead_letter_queue_arn}: "
                "send the message again by hand",
                "source",
            )
        self._sqs.send_message(QueueUrl=urls[0], MessageBody=body)

    def reinvoke(self, function_arn: str, event: str) -> None:
        self._lambda.invoke(FunctionName=function_arn, InvocationType="Event", Payload=event)


def failed_step(stepfunctions: Any, execution_arn: str, handler_state: str) -> str | None:
    """The last state an execution entered before its failure handler ``handler_state``: the
    step that failed (None when its history cannot be read)."""
    try:
        history = stepfunctions.get_execution_history(
            executionArn=execution_arn, reverseOrder=True, maxResults=100
        )["events"]
    except (BotoCoreError, ClientError):  # the failure is recorded either way, step unknown
        return None
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]
    if history and history[0]["id"] < history[-1]["id"]:
        entered.reverse()  # came oldest first (moto ignores reverseOrder)
    return next((name for name in entered if name != handler_state), None)
