"""A billing world with collection cases on the in-memory adapters: an account billed, its
statement falling past due, and the case services over it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal as D

from civiq.accounts.adapters.memory import InMemoryCustomers
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.accounts import Account
from civiq.accounts.domain.customers import Consent, ConsentSource
from civiq.collections.adapters.memory import (
    InMemoryArrangements,
    InMemoryCases,
    InMemoryLadders,
    InMemoryOpeningMarks,
    InMemoryPastDueStatements,
    InMemoryReferrals,
    InMemoryRiskScores,
    InMemoryTaxRoll,
)
from civiq.collections.domain.arrangements import ArrangementPolicy
from civiq.collections.domain.dunning import DunningPolicy
from civiq.collections.services.arrangement_check import CheckArrangements, Checked
from civiq.collections.services.arrangements import MakeArrangement
from civiq.collections.services.case_advance import AdvanceCase
from civiq.collections.services.case_assignment import AssignCase
from civiq.collections.services.case_contacts import RecordContact
from civiq.collections.services.case_holds import PauseCase, ResumeCase
from civiq.collections.services.case_opening import OpenCase, OpenDelinquentCases
from civiq.collections.services.case_payments import FollowPayment
from civiq.collections.services.casework import Casework
from civiq.collections.services.risk_ranking import RankByRisk
from civiq.core.fakes import RecordingWorkflow
from civiq.ledger.domain.payments import PaymentChannel, PaymentMethod
from civiq.notices.adapters.wording import CatalogWording
from civiq.notices.services.alerts import Notifier
from civiq.payments.adapters.memory import InMemoryPaymentTroubles
from civiq.payments.services.payments import PostPayment, ReceivedPayment
from civiq.platform.catalogs import Catalogs, default_templates_dir
from tests.helpers.billing_world import BillingWorld
from tests.helpers.metering_world import CLERK


@dataclass
class CollectionsWorld(BillingWorld):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.customers = InMemoryCustomers(self.store)
        self.case_workflow = RecordingWorkflow()
        self.cases = InMemoryCases(self.ledger)
        self.ladders = InMemoryLadders()
        self.arrangements = InMemoryArrangements()
        self.past_due_statements = InMemoryPastDueStatements(self.ledger)
        self.opening_marks = InMemoryOpeningMarks()
        self.troubles = InMemoryPaymentTroubles()
        self.scores = InMemoryRiskScores()
        wording = CatalogWording(Catalogs(default_templates_dir()), "Town of Example")
        self.work = Casework(
            accounts=self.store,
            customers=self.customers,
            cases=self.cases,
            arrangements=self.arrangements,
            ladders=self.ladders,
            ledger=self.ledger,
            workflow=self.case_workflow,
            notifier=Notifier(self.store, self.customers, wording, AccountNumberScheme()),
            events=self.events,
            policy=DunningPolicy(),
            recorder=self.recorder,
            troubles=self.troubles,
            ranking=RankByRisk(self.scores),
        )
        self.transfers = InMemoryTaxRoll(self.ledger)
        self.referrals = InMemoryReferrals()
        self.open_case = OpenCase(self.work, self.properties, self.transfers, self.referrals)
        self.open_delinquent = OpenDelinquentCases(
            self.open_case, self.past_due_statements, self.opening_marks
        )
        self.advance = AdvanceCase(self.work)
        self.follow_payment = FollowPayment(self.work)
        self.pause = PauseCase(self.work)
        self.resume = ResumeCase(self.work)
        self.record_contact = RecordContact(self.work)
        self.assign = AssignCase(self.work)

    def arrange(self, policy: ArrangementPolicy | None = None) -> MakeArrangement:
        return MakeArrangement(
            self.store,
            self.arrangements,
            self.ledger,
            policy or ArrangementPolicy(),
            self.recorder,
            self.pause,
        )

    def check(self, on: date, policy: ArrangementPolicy | None = None) -> Checked:
        """The daily arrangement check on ``on``."""
        self.on(on)
        return CheckArrangements(
            self.arrangements,
            self.ledger,
            policy or ArrangementPolicy(),
            self.recorder,
            self.resume,
            self.open_case,
        )("corr-check")

    def consenting(self, account: Account) -> None:
        """The holder consents to email and text messages (given in person, now)."""
        customer = self.customers.get(account.holder.customer_id)
        consent = Consent(self.clock.now(), ConsentSource.IN_PERSON)
        preferences = replace(customer.preferences, email_consent=consent, sms_consent=consent)
        self.store.entities[f"CUSTOMER#{customer.customer_id}"] = replace(
            customer, preferences=preferences
        )

    def on(self, day: date) -> None:
        """Move the clock to ``day``, 15:00 UTC (10:00 in the municipality)."""
        later = datetime.combine(day, datetime.min.time(), UTC).replace(hour=15)
        self.clock.advance(seconds=(later - self.clock.now()).total_seconds())

    def pay(self, account_id: str, payment_id: str, amount: str) -> None:
        received = ReceivedPayment(
            payment_id,
            account_id,
            D(amount),
            PaymentMethod.CHEQUE,
            PaymentChannel.STAFF,
            self.recorder.today(),
        )
        PostPayment(self.books)(received, CLERK, "corr-pay")
