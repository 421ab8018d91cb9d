"""The fee catalogue on the main table: one item, its fees as JSON.

item            PK      SK
fee catalogue   FEES    CATALOGUE

The fees are stored in the API's shape (:class:`civiq.ledger.schemas.fees.FeeSpec`, every figure
a decimal string) and read back through the same validation. The item's VersionAttribute is the
catalogue's version: a save writes only while the stored version is the one read, in one
transaction with the history entry (in the ``FEES`` partition: the catalogue's history).
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import DoesNotExist

from civiq.core.audit import AuditEntry
from civiq.core.errors import VersionConflict
from civiq.ledger.domain.fees import FeeCatalogue
from civiq.ledger.schemas.fees import STORED_FEES, catalogue_of, specs_of
from civiq.platform.dynamodb.table import TableItem, TableMeta
from civiq.platform.dynamodb.transactions import Connected, Transaction

FEES_PK = "FEES"
CATALOGUE_SK = "CATALOGUE"


class FeeCatalogueItem(TableItem):
    class Meta(TableMeta):
        pass

    fees = UnicodeAttribute()  # JSON: each fee's FeeSpec by its code
    version = VersionAttribute()


class DynamoFeeCatalogues(Connected):
    def get(self) -> FeeCatalogue:
        try:
            item = FeeCatalogueItem.get(FEES_PK, CATALOGUE_SK, consistent_read=True)
        except DoesNotExist:
            return FeeCatalogue({})
        return catalogue_of(STORED_FEES.validate_json(item.fees), int(item.version))

    def save(self, before: FeeCatalogue, after: FeeCatalogue, entry: AuditEntry) -> None:
        if after.version != before.version + 1:
            raise ValueError(f"the saved catalogue must be version {before.version + 1}")
        fees = STORED_FEES.dump_json(specs_of(after)).decode()
        item = FeeCatalogueItem(pk=FEES_PK, sk=CATALOGUE_SK, fees=fees)
        transaction = Transaction()

        def changed() -> VersionConflict:
            return VersionConflict(
                "the fee catalogue was changed by someone else; reload it", self.get().version
            )

        if before.version == 0:
            transaction.put(item, FeeCatalogueItem.pk.does_not_exist(), changed)
        else:
            item.version = before.version  # the put is conditional on it, and stores the next
            transaction.put(item, FeeCatalogueItem.pk.exists(), changed)
        transaction.history([entry])
        transaction.run(self._client())
