"""Staff edits of an account: services, agents, settings, closing. Each one atomic and recorded.

Every edit names the version the clerk saw; a stale version is refused with the current one, so
of two clerks editing the same account from the same version, one wins and the other reloads.
A change of services or settings that leaves billing unable to bill the account (waste without
a cart) is refused, naming the field; what was unmet before the change does not refuse it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from civiq.accounts.domain.accounts import Account, AccountStatus, Agent, CartSize, Service
from civiq.accounts.domain.billability import BillingProfile
from civiq.accounts.ports import (
    AccountRepository,
    BillingRequirements,
    Changes,
    PropertyRepository,
)
from civiq.accounts.services.billability import request_fields, require_billable
from civiq.accounts.services.recording import Recorder, Step
from civiq.core.edits import KEEP, Keep
from civiq.core.errors import NotFound, check_version
from civiq.core.events import Actor
from civiq.core.publishing import PublishEvents


@dataclass(frozen=True)
class ChangeAccount:
    accounts: AccountRepository
    changes: Changes
    events: PublishEvents
    recorder: Recorder
    properties: PropertyRepository
    billing: BillingRequirements

    def apply(
        self,
        account_id: str,
        version: int,
        edit: Callable[[Account], Account],
        action: str,
        actor: Actor,
        cid: str,
        event: Callable[[Account], dict[str, Any]] | None = None,
        billable: bool = False,
    ) -> Account:
        """``edit`` the account; with ``billable``, refused when billing could no longer bill
        it (the cart names ``cart_size``, what the property decides ``services``)."""
        before = self.accounts.get(account_id)
        check_version(before.version, version, "the account")
        after = edit(before)
        if billable:
            self._still_billable(before, after)
        step = Step(after, action, before, (action, event(after)) if event else None)
        change = self.recorder.change([step], actor, cid)
        self.changes.commit(change)
        self.events.after_commit(change.events)
        return after

    def _still_billable(self, before: Account, after: Account) -> None:
        prop = self.properties.get(after.property_id)
        today = self.recorder.today()
        was, now = BillingProfile.of(before, prop, today), BillingProfile.of(after, prop, today)
        if now == was:
            return  # nothing billing prices the account by changed (autopay, say)
        unmet_before = [u.attribute for u in self.billing.unmet(was)]
        fields = request_fields("services", "cart_size")
        require_billable(self.billing, now, fields, unmet_before=unmet_before)

    def services(
        self,
        account_id: str,
        version: int,
        services: tuple[Service, ...],
        actor: Actor,
        cid: str,
        cart_size: CartSize | Keep | None = KEEP,
    ) -> Account:
        """Replace the services; ``cart_size`` (when not KEEP) sets the waste cart with them."""

        def edit(account: Account) -> Account:
            changed = account.with_services(services).activated(self.recorder.today())
            return changed if isinstance(cart_size, Keep) else replace(changed, cart_size=cart_size)

        return self.apply(
            account_id,
            version,
            edit,
            "AccountServicesChanged",
            actor,
            cid,
            lambda a: {
                "account_id": a.account_id,
                "account_number": a.account_number,
                "services": [
                    {
                        "service_type": s.service_type.value,
                        "status": s.status.value,
                        "start_date": s.start_date.isoformat(),
                        "end_date": s.end_date.isoformat() if s.end_date else None,
                    }
                    for s in a.services
                ],
            },
            billable=True,
        )

    def settings(
        self,
        account_id: str,
        version: int,
        actor: Actor,
        cid: str,
        *,
        autopay: bool | None = None,
        landlord_copies: bool | None = None,
        cart_size: CartSize | Keep | None = KEEP,
    ) -> Account:
        """Change the settings named; each one left out (None, or KEEP for the cart size, which
        None removes) keeps its value."""
        return self.apply(
            account_id,
            version,
            lambda a: a.with_settings(
                a.autopay if autopay is None else autopay,
                a.landlord_copies if landlord_copies is None else landlord_copies,
                a.cart_size if isinstance(cart_size, Keep) else cart_size,
            ),
            "AccountSettingsChanged",
            actor,
            cid,
            billable=True,
        )

    def add_agent(
        self,
        account_id: str,
        version: int,
        agent_with_id: Callable[[str], Agent],
        actor: Actor,
        cid: str,
    ) -> Account:
        """``agent_with_id`` builds the agent (validating it) with the id given to it here."""
        agent = agent_with_id(self.recorder.ids.new_id())
        return self.apply(
            account_id,
            version,
            lambda a: a.with_agents([*a.agents, agent]),
            "AgentAuthorized",
            actor,
            cid,
        )

    def revoke_agent(
        self, account_id: str, version: int, agent_id: str, actor: Actor, cid: str
    ) -> Account:
        def without(account: Account) -> Account:
            if all(a.agent_id != agent_id for a in account.agents):
                raise NotFound(f"no agent {agent_id} on this account", "agent_id")
            return account.with_agents([a for a in account.agents if a.agent_id != agent_id])

        return self.apply(account_id, version, without, "AgentRevoked", actor, cid)

    def close(self, account_id: str, version: int, actor: Actor, cid: str) -> Account:
        """Close a final-billed account (supervisor); what it still owes stays on its ledger."""
        now = self.recorder.clock.now()
        return self.apply(
            account_id,
            version,
            lambda a: a.closed(now),
            "AccountClosed",
            actor,
            cid,
            lambda a: {
                "account_id": a.account_id,
                "account_number": a.account_number,
                "property_id": a.property_id,
                "closed_at": now.isoformat(),
                "status": AccountStatus.CLOSED.value,
            },
        )
