"""Inputs of the billing-cycle workflow's tasks, as the state machine sends them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Task(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PrepareTask(_Task):
    task: Literal["prepare"]
    run_id: str
    routes: list[str] = Field(min_length=1)


class BillBatchTask(_Task):
    task: Literal["bill_batch"]
    run_id: str
    batch: int = Field(ge=0)
    account_ids: list[str]


class SummarizeTask(_Task):
    task: Literal["summarize"]
    run_id: str


class BilledStatement(_Task):
    account_id: str
    statement_id: str


class IssueStatementsTask(_Task):
    run_id: str
    batch: int | None = Field(default=None, ge=0, description="None: not a run's (a rebill)")
    billed: list[BilledStatement]
