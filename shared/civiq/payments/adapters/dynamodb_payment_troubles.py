"""Failed payment attempts on our side, in the account's partition.

item              PK                     SK                          notes
latest trouble    ACCOUNT#<account id>   PAYMENT-TROUBLE             ``latest_on``: only ever moves
                                                                     later
one trouble       ACCOUNT#<account id>   PAYMENT-TROUBLE#<reference> put once

The trouble's own item (on condition it is new) and its history entry are one transaction; the
account's latest day is then set when later than what it holds, also when the trouble was
recorded before (a retry after a stop between the two finishes the job).
"""

from __future__ import annotations

from datetime import date

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError

from civiq.core.audit import AuditEntry
from civiq.core.errors import Conflict
from civiq.payments.domain.payment_troubles import PaymentTrouble
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

LATEST_SK = "PAYMENT-TROUBLE"
ONE_PREFIX = "PAYMENT-TROUBLE#"


class TroubleItem(TableItem):
    class Meta(TableMeta):
        pass

    latest_on = UnicodeAttribute(null=True)  # ISO date: compares as it sorts
    reason = UnicodeAttribute(null=True)


class DynamoPaymentTroubles(Connected):
    def record(self, trouble: PaymentTrouble, entry: AuditEntry) -> bool:
        pk = keys.account_pk(trouble.account_id)
        on = trouble.on.isoformat()
        transaction = Transaction()
        transaction.put(
            TroubleItem(pk=pk, sk=f"{ONE_PREFIX}{trouble.reference}", latest_on=on),
            TroubleItem.pk.does_not_exist(),
            lambda: Conflict("recorded before", "reference"),
        )
        transaction.history([entry])
        new = True
        try:
            transaction.run(self._client())
        except Conflict:
            new = False
        latest = TroubleItem(pk=pk, sk=LATEST_SK)
        later = TroubleItem.latest_on.does_not_exist() | (TroubleItem.latest_on < on)
        try:
            latest.update(
                actions=[TroubleItem.latest_on.set(on), TroubleItem.reason.set(trouble.reason)],
                condition=later,
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise  # else a later day is there already: it stays
        return new

    def latest(self, account_id: str) -> date | None:
        try:
            item = TroubleItem.get(keys.account_pk(account_id), LATEST_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return date.fromisoformat(item.latest_on) if item.latest_on else None
