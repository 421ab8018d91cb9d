"""The delinquency risk score's edges: a scoring chunk on the queue, and the staff API's scores
(each factor worded in English and French)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from civiq.collections.domain.risk_scores import Band, Factor, RiskScore, ScoringChunk
from civiq.core.language import Language
from civiq.core.schemas import PageQuery, Payload

MAX_CHUNK_ACCOUNTS = 1000

AccountId = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Z]{26}$", description="The account's id (26 capital letters and digits)"
    ),
]


class ScoringChunkMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model_version: str = Field(min_length=1, max_length=64)
    scored_on: date
    account_ids: list[str] = Field(min_length=1, max_length=MAX_CHUNK_ACCOUNTS)

    @classmethod
    def of(cls, chunk: ScoringChunk) -> ScoringChunkMessage:
        return cls(
            model_version=chunk.model_version,
            scored_on=chunk.scored_on,
            account_ids=list(chunk.account_ids),
        )

    def to_chunk(self) -> ScoringChunk:
        return ScoringChunk(self.model_version, self.scored_on, tuple(self.account_ids))


class RiskScoreQuery(PageQuery):
    min_score: Annotated[float, Field(strict=False, ge=0, le=1)] = Field(
        default=0.0, description="Only scores at least this high (0 to 1)"
    )


class Wording(Payload):
    en: str
    fr: str


class FactorOut(Payload):
    feature: str = Field(description="What the factor measures (see the README's features)")
    value: float = Field(description="The account's value of the feature when it was scored")
    contribution: float = Field(
        description="Its part of the score's logit: coefficient times standardized value"
    )
    effect: Literal["raises", "lowers"]
    text: Wording

    @classmethod
    def of(cls, factor: Factor) -> FactorOut:
        return cls(
            feature=factor.feature,
            value=factor.value,
            contribution=factor.contribution,
            effect="raises" if factor.raises else "lowers",
            text=Wording(en=factor.worded(Language.EN), fr=factor.worded(Language.FR)),
        )


class RiskScoreOut(Payload):
    account_id: str
    score: float = Field(
        ge=0,
        le=1,
        description="The probability that the account becomes 60 days delinquent within 90 days",
    )
    band: Band
    factors: list[FactorOut] = Field(description="What moved the score most, largest first")
    model_version: str
    scored_on: date = Field(description="The day the account was scored as it stood then")

    @classmethod
    def of(cls, score: RiskScore) -> RiskScoreOut:
        return cls(
            account_id=score.account_id,
            score=score.score,
            band=score.band,
            factors=[FactorOut.of(f) for f in score.factors],
            model_version=score.model_version,
            scored_on=score.scored_on,
        )


class RiskScorePage(Payload):
    items: list[RiskScoreOut]
    next_cursor: str | None
