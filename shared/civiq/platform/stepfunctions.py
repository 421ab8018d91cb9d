"""Workflow and Callbacks on AWS Step Functions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from civiq.core.ports import Execution
from civiq.core.reruns import rerun_name


class StepFunctionsWorkflow:
    """One state machine; executions are named by the caller (idempotent starts)."""

    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._sfn = client
        self._arn = state_machine_arn

    def execution_arn(self, name: str) -> str:
        return f"{self._arn.replace(':stateMachine:', ':execution:', 1)}:{name}"

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        try:
            self._sfn.start_execution(
                stateMachineArn=self._arn, name=name, input=json.dumps(dict(payload))
            )
        except self._sfn.exceptions.ExecutionAlreadyExists:
            return False
        return True

    def stop(self, name: str, cause: str) -> bool:
        """StopExecution answers a stopped or finished execution without an error, so whether it
        was running is read first (a race with its end is harmless: stopping a finished execution
        changes nothing)."""
        found = self._execution(name)
        if found is None or found.status != "RUNNING":
            return False
        self._sfn.stop_execution(executionArn=self.execution_arn(name), cause=cause[:32768])
        return True

    def describe(self, name: str) -> Execution | None:
        """The work named ``name`` as it stands: a failed run that staff retried from the work
        queue is reported by its latest rerun (under ``name``)."""
        found = self._execution(name)
        while found is not None and found.status == "FAILED":
            rerun = self._execution(rerun_name(found.name))
            if rerun is None:
                break
            found = rerun
        return None if found is None else replace(found, name=name)

    def _execution(self, name: str) -> Execution | None:
        try:
            found = self._sfn.describe_execution(executionArn=self.execution_arn(name))
        except self._sfn.exceptions.ExecutionDoesNotExist:
            return None
        output = found.get("output")
        return Execution(
            name=name,
            status=found["status"],
            started_at=found["startDate"],
            stopped_at=found.get("stopDate"),
            input=json.loads(found.get("input") or "{}"),
            output=json.loads(output) if output else None,
            error=found.get("error"),
            cause=found.get("cause"),
        )


class StepFunctionsCallbacks:
    """SendTaskSuccess / SendTaskFailure; a token no longer awaited answers False."""

    def __init__(self, client: Any) -> None:
        self._sfn = client

    def _gone(self) -> tuple[type[Exception], ...]:
        errors = self._sfn.exceptions
        return (errors.TaskTimedOut, errors.InvalidToken, errors.TaskDoesNotExist)

    def succeed(self, task_token: str, output: Mapping[str, Any]) -> bool:
        try:
            self._sfn.send_task_success(taskToken=task_token, output=json.dumps(dict(output)))
        except self._gone():
            return False
        return True

    def fail(self, task_token: str, error: str, cause: str) -> bool:
        try:
            self._sfn.send_task_failure(taskToken=task_token, error=error, cause=cause[:32768])
        except self._gone():
            return False
        return True
