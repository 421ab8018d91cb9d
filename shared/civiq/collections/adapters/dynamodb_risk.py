"""The delinquency risk score on DynamoDB: what it reads of each account, its models, and each
account's score.

item          table  PK                    SK                    notes
risk model    main   RISK-MODEL            VERSION#<version>     one per training, put once;
                                                                 versions start with the day
risk score    main   ACCOUNT#<account id>  RISK-SCORE            GSI2 RISK-SCORES /
                                                                 <10000 - score in 1/10000>#<id>

An account's score is one small item in its partition (about 300 bytes: one write unit, and one
more for its index copy, two when its place in the index moves). The index lists every score
from the highest down in one partition of GSI2: ``GET /scores?min_score=`` is one Query of it,
never a Scan. A scoring run writes only the scores that moved (``RiskScore.moved_from``).

An account's history is read with one BatchGetItem per 100 account items (the account and its
ledger's balance and head), then, per account, one Query of its journal in the ledger table from
the head back to the first day wanted, one of its statements (newest first, down to that day),
and one of its arrangements. All are eventually consistent but the arrangements': a score is
advice, read a week at a time.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, timedelta, tzinfo
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from civiq.accounts.adapters import dynamodb_mapping as mapping
from civiq.accounts.domain.accounts import AccountStatus
from civiq.accounts.ports import AccountRepository
from civiq.billing.adapters.dynamodb import STATEMENT_PREFIX, StatementItem, statement_of
from civiq.billing.domain.statements import StatementStatus
from civiq.collections.domain.arrangements import ArrangementStatus
from civiq.collections.domain.risk_history import (
    AccountHistory,
    ArrangementSpan,
    Bill,
    cents,
    movements_of,
)
from civiq.collections.domain.risk_model import (
    Decile,
    Evaluation,
    RiskModel,
    Standardization,
    TrainingWindow,
)
from civiq.collections.domain.risk_scores import Band, Factor, RiskScore
from civiq.collections.ports import Arrangements
from civiq.core.errors import NotFound
from civiq.core.ports import Page
from civiq.ledger.adapters.dynamodb_journal import (
    LedgerAccountItem,
    LedgerEntryItem,
    entry_of,
    entry_sk,
    ledger_of,
)
from civiq.ledger.domain.journal import LedgerEntry
from civiq.platform import aws
from civiq.platform.dynamodb import keys, pages
from civiq.platform.dynamodb.table import AccountItem, TableItem, TableMeta

MODELS_PK = "RISK-MODEL"
MODEL_PREFIX = "VERSION#"
SCORE_SK = "RISK-SCORE"
SCORES_PK = "RISK-SCORES"
POINTS = 10_000  # a score is kept in ten-thousandths
BATCH_GET_LIMIT = 100
ACCOUNTS_PAGE = 500
PENALTY_READ_BACK_DAYS = 62
# Pages of a Query are read (and billed) whole: small ones stop near the first day wanted.
ENTRIES_PAGE = 32  # about a year and a half of a bimonthly bill's charge, payment and penalty
STATEMENTS_PAGE = 8  # about a year and a half of bimonthly statements


class RiskModelItem(TableItem):
    class Meta(TableMeta):
        pass

    record = JSONAttribute()


class ScoresByRank(GlobalSecondaryIndex["RiskScoreItem"]):
    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class RiskScoreItem(TableItem):
    class Meta(TableMeta):
        pass

    gsi2pk = UnicodeAttribute(attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(attr_name="GSI2SK")
    by_rank = ScoresByRank()
    account_id = UnicodeAttribute()
    points = NumberAttribute()  # the score in ten-thousandths (an integer)
    band = UnicodeAttribute()
    factors = JSONAttribute()  # [[feature, value, contribution], ...]
    model_version = UnicodeAttribute()
    scored_on = UnicodeAttribute()


def points_of(score: float) -> int:
    return round(score * POINTS)


def rank_sk(points: int, account_id: str) -> str:
    """Highest score first in the index's ascending order, then by account id."""
    return f"{POINTS - points:05d}#{account_id}"


class DynamoRiskHistories:
    def __init__(
        self, accounts: AccountRepository, arrangements: Arrangements, time_zone: tzinfo
    ) -> None:
        self._accounts = accounts
        self._arrangements = arrangements
        self._time_zone = time_zone

    def account_ids(self, statuses: Collection[AccountStatus]) -> Iterator[str]:
        for status in statuses:
            cursor = None
            while True:
                page = self._accounts.list_by_status(status, None, ACCOUNTS_PAGE, cursor)
                yield from (summary.account_id for summary in page.items)
                cursor = page.next_cursor
                if cursor is None:
                    break

    def of_accounts(self, account_ids: Sequence[str], since: date) -> Sequence[AccountHistory]:
        return [
            self._history(raw, since)
            for start in range(0, len(account_ids), BATCH_GET_LIMIT)
            for raw in _account_items(account_ids[start : start + BATCH_GET_LIMIT])
        ]

    def _history(self, raw: dict[str, Any], since: date) -> AccountHistory:
        account = mapping.account_of(AccountItem.from_raw_data(raw))
        ledger = ledger_of(account.account_id, LedgerAccountItem.from_raw_data(raw))
        head = ledger.head.sequence if ledger.head else 0
        entries = _entries_back_to(account.account_id, head, since, self._time_zone)
        # a penalty of the first days may be on a statement issued up to a bill period earlier
        read = _bills_since(account.account_id, since - timedelta(days=PENALTY_READ_BACK_DAYS))
        bills = tuple(b for b in read if b.issued_on >= since)
        spans = tuple(
            ArrangementSpan(a.terms.made_on, a.ended_on, a.status is ArrangementStatus.BROKEN)
            for a in reversed(self._arrangements.of_account(account.account_id))
        )
        return AccountHistory(
            account_id=account.account_id,
            opened_on=account.opened_on(self._time_zone),
            closed_on=account.closed_at.astimezone(self._time_zone).date()
            if account.closed_at
            else None,
            since=since,
            opening_cents=cents(ledger.balance) - sum(cents(e.amount) for e in entries),
            movements=movements_of(entries, read, self._time_zone),
            bills=bills,
            arrangements=spans,
        )


def _account_items(account_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The raw account items (at most 100): the account and its ledger's attributes in one
    item, read together; what DynamoDB leaves unprocessed is asked again."""
    meta = AccountItem.Meta
    client = aws.client("dynamodb", meta.region, meta.host)
    wanted: list[dict[str, Any]] = [
        {"PK": {"S": keys.account_pk(a)}, "SK": {"S": keys.ACCOUNT_SK}}
        for a in dict.fromkeys(account_ids)
    ]
    items: list[dict[str, Any]] = []
    while wanted:
        answer = client.batch_get_item(RequestItems={meta.table_name: {"Keys": wanted}})
        items.extend(answer.get("Responses", {}).get(meta.table_name, []))
        wanted = answer.get("UnprocessedKeys", {}).get(meta.table_name, {}).get("Keys", [])
    order = {a: n for n, a in enumerate(account_ids)}
    return sorted(items, key=lambda raw: order[raw["PK"]["S"].removeprefix("ACCOUNT#")])


def _entries_back_to(
    account_id: str, head: int, since: date, time_zone: tzinfo
) -> list[LedgerEntry]:
    """The account's entries posted on ``since`` or later, up to ``head``, oldest first: read
    from the head back, until one older."""
    if not head:
        return []
    found = []
    for item in LedgerEntryItem.query(
        keys.account_pk(account_id),
        LedgerEntryItem.sk.between(entry_sk(1), entry_sk(head)),
        scan_index_forward=False,
        page_size=ENTRIES_PAGE,
    ):
        entry = entry_of(item.record)
        if entry.occurred_at.astimezone(time_zone).date() < since:
            break
        found.append(entry)
    found.reverse()
    return found


def _bills_since(account_id: str, since: date) -> tuple[Bill, ...]:
    """The account's issued statements issued on ``since`` or later, oldest first (statement
    ids sort by period end: read newest first, until one older)."""
    found = []
    for item in StatementItem.query(
        keys.account_pk(account_id),
        StatementItem.sk.startswith(STATEMENT_PREFIX),
        scan_index_forward=False,
        page_size=STATEMENTS_PAGE,
    ):
        statement = statement_of(item.record, item.document_key)
        if statement.issued_on < since:
            break
        if statement.status is StatementStatus.ISSUED:
            found.append(
                Bill(
                    statement.statement_id, statement.issued_on, statement.due_on, statement.autopay
                )
            )
    return tuple(sorted(found, key=lambda b: (b.issued_on, b.statement_id)))


class DynamoRiskModels:
    def latest(self) -> RiskModel | None:
        found = RiskModelItem.query(
            MODELS_PK,
            RiskModelItem.sk.startswith(MODEL_PREFIX),
            scan_index_forward=False,
            limit=1,
        )
        return next((model_of(item.record) for item in found), None)

    def get(self, version: str) -> RiskModel:
        try:
            item = RiskModelItem.get(MODELS_PK, f"{MODEL_PREFIX}{version}")
        except DoesNotExist as exc:
            raise NotFound(f"no risk model {version}", "model_version") from exc
        return model_of(item.record)

    def save(self, model: RiskModel) -> None:
        item = RiskModelItem(
            pk=MODELS_PK, sk=f"{MODEL_PREFIX}{model.version}", record=model_record(model)
        )
        try:
            item.save(condition=RiskModelItem.pk.does_not_exist())
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise  # else this version is kept already


class DynamoRiskScores:
    def get(self, account_id: str) -> RiskScore:
        try:
            item = RiskScoreItem.get(keys.account_pk(account_id), SCORE_SK)
        except DoesNotExist as exc:
            raise NotFound(f"account {account_id} has no risk score", "account_id") from exc
        return score_of(item)

    def several(self, account_ids: Sequence[str]) -> Mapping[str, RiskScore]:
        wanted = [(keys.account_pk(a), SCORE_SK) for a in dict.fromkeys(account_ids)]
        return {item.account_id: score_of(item) for item in RiskScoreItem.batch_get(wanted)}

    def ranked(self, min_score: float, limit: int, cursor: str | None) -> Page[RiskScore]:
        bound = f"{POINTS - math.ceil(round(min_score * POINTS, 6)):05d}~"
        start = _start_key(cursor)
        if start is not None and start["GSI2SK"]["S"] > bound:
            return Page([], None)  # a cursor from a list of lower scores: none after it here
        found = list(
            RiskScoreItem.by_rank.query(
                SCORES_PK,
                RiskScoreItem.gsi2sk <= bound,
                limit=limit + 1,
                last_evaluated_key=start,
            )
        )
        more = len(found) > limit
        found = found[:limit]
        last = found[-1] if more else None
        return Page(
            [score_of(item) for item in found],
            pages.encode(
                pages.key_of(PK=last.pk, SK=last.sk, GSI2PK=last.gsi2pk, GSI2SK=last.gsi2sk)
            )
            if last
            else None,
        )

    def write(self, scores: Sequence[RiskScore]) -> None:
        with RiskScoreItem.batch_write() as batch:
            for score in scores:
                points = points_of(score.score)
                batch.save(
                    RiskScoreItem(
                        pk=keys.account_pk(score.account_id),
                        sk=SCORE_SK,
                        gsi2pk=SCORES_PK,
                        gsi2sk=rank_sk(points, score.account_id),
                        account_id=score.account_id,
                        points=points,
                        band=score.band.value,
                        factors=[[f.feature, f.value, f.contribution] for f in score.factors],
                        model_version=score.model_version,
                        scored_on=score.scored_on.isoformat(),
                    )
                )

    def remove(self, account_ids: Sequence[str]) -> None:
        with RiskScoreItem.batch_write() as batch:
            for account_id in account_ids:
                batch.delete(RiskScoreItem(pk=keys.account_pk(account_id), sk=SCORE_SK))


def _start_key(cursor: str | None) -> dict[str, Any] | None:
    """The key a cursor names, if it is one this adapter made (else 404: no page starts
    there)."""
    key = pages.decode(cursor)
    if key is None:
        return None
    if set(key) != {"PK", "SK", "GSI2PK", "GSI2SK"}:
        raise pages.unknown_cursor()
    rank, _, account_id = key["GSI2SK"]["S"].partition("#")
    if not (
        rank.isdigit()
        and len(rank) == 5
        and key["PK"]["S"] == keys.account_pk(account_id)
        and key["SK"]["S"] == SCORE_SK
        and key["GSI2PK"]["S"] == SCORES_PK
    ):
        raise pages.unknown_cursor()
    return key


def score_of(item: RiskScoreItem) -> RiskScore:
    return RiskScore(
        account_id=item.account_id,
        score=int(item.points) / POINTS,
        band=Band(item.band),
        factors=tuple(Factor(f, float(v), float(c)) for f, v, c in item.factors),
        model_version=item.model_version,
        scored_on=date.fromisoformat(item.scored_on),
    )


def model_record(model: RiskModel) -> dict[str, Any]:
    window, evaluation = model.window, model.evaluation
    return {
        "version": model.version,
        "trained_on": model.trained_on.isoformat(),
        "features": list(model.features),
        "means": list(model.standardization.means),
        "scales": list(model.standardization.scales),
        "intercept": model.intercept,
        "coefficients": list(model.coefficients),
        "l2": model.l2,
        "window": {
            "fitted_from": window.fitted_from.isoformat(),
            "fitted_to": window.fitted_to.isoformat(),
            "evaluated_from": window.evaluated_from.isoformat(),
            "evaluated_to": window.evaluated_to.isoformat(),
            "horizon_days": window.horizon_days,
            "delinquent_days": window.delinquent_days,
            "fitted_rows": window.fitted_rows,
            "fitted_positives": window.fitted_positives,
        },
        "evaluation": {
            "rows": evaluation.rows,
            "positives": evaluation.positives,
            "auc": evaluation.auc,
            "brier": evaluation.brier,
            "base_rate": evaluation.base_rate,
            "deciles": [[d.rows, d.predicted, d.observed] for d in evaluation.deciles],
        },
    }


def model_of(record: Mapping[str, Any]) -> RiskModel:
    window, evaluation = record["window"], record["evaluation"]
    return RiskModel(
        version=record["version"],
        trained_on=date.fromisoformat(record["trained_on"]),
        features=tuple(record["features"]),
        standardization=Standardization(tuple(record["means"]), tuple(record["scales"])),
        intercept=float(record["intercept"]),
        coefficients=tuple(float(c) for c in record["coefficients"]),
        l2=float(record["l2"]),
        window=TrainingWindow(
            fitted_from=date.fromisoformat(window["fitted_from"]),
            fitted_to=date.fromisoformat(window["fitted_to"]),
            evaluated_from=date.fromisoformat(window["evaluated_from"]),
            evaluated_to=date.fromisoformat(window["evaluated_to"]),
            horizon_days=int(window["horizon_days"]),
            delinquent_days=int(window["delinquent_days"]),
            fitted_rows=int(window["fitted_rows"]),
            fitted_positives=int(window["fitted_positives"]),
        ),
        evaluation=Evaluation(
            rows=int(evaluation["rows"]),
            positives=int(evaluation["positives"]),
            auc=float(evaluation["auc"]),
            brier=float(evaluation["brier"]),
            base_rate=float(evaluation["base_rate"]),
            deciles=tuple(Decile(int(n), float(p), float(o)) for n, p, o in evaluation["deciles"]),
        ),
    )
