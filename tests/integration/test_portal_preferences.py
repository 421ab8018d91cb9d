"""A resident's preferences on the portal, through Chalice's routing over in-process moto:
e-billing and the language of notices changed through the accounts feature's customer
revision, every other field of the customer kept, the change recorded with the resident as its
actor and the account's holder details refreshed; the email address shown masked."""

from __future__ import annotations

import re
from typing import Any

import pytest
from chalice.test import Client
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from civiq.accounts.adapters.dynamodb_accounts import DynamoAccountRepository
from civiq.accounts.adapters.dynamodb_customers import DynamoCustomerRepository
from civiq.accounts.domain.customers import (
    ConsentChange,
    ConsentChanges,
    ConsentSource,
    ContactDetails,
    ContactMethod,
    CustomerKind,
    Preferences,
)
from civiq.accounts.services.customers import NewCustomer
from civiq.core.addresses import Address
from civiq.core.language import Language
from civiq.platform.dynamodb.audit import DynamoAuditLog
from tests.helpers.emulator import REGION
from tests.helpers.portal_accounts import NUMBERING
from tests.helpers.stores import Stores, dynamodb_stores
from tests.helpers.web import Browser

CONTACT = ContactDetails(
    email="elise.tremblay@example.ca",
    phone="+18195550123",
    mailing_address=Address("PO Box 12", "Gatineau", "QC", "J8X 3G8"),
)


def holder(with_email: bool) -> NewCustomer:
    return NewCustomer(
        CustomerKind.PERSON,
        "Élise Tremblay",
        Preferences(Language.FR, ContactMethod.EMAIL if with_email else ContactMethod.MAIL),
        CONTACT if with_email else ContactDetails(),
        ConsentChanges(email=ConsentChange(True, ConsentSource.PAPER_FORM))
        if with_email
        else ConsentChanges(),
    )


def opened(stores: Stores, street: str, with_email: bool = True) -> Any:
    return stores.open("Élise Tremblay", street, customer=holder(with_email))


@pytest.fixture
def stores(aws: None) -> Stores:
    return dynamodb_stores()


@pytest.fixture
def account(stores: Stores) -> Any:
    return opened(stores, "17 Rue Laval")


@pytest.fixture
def resident(portal: Client, account: Any) -> Browser:
    return Browser(portal).signed_in(NUMBERING.display(account.account_number))


def test_the_page_shows_the_preferences_and_a_masked_email(resident: Browser) -> None:
    page = resident.get("/portal/preferences").body.decode()
    assert 'value="fr" checked' in page and 'name="ebilling" value="yes" checked' not in page
    assert "e" + "•" * 13 + "@example.ca" in page and "elise.tremblay" not in page


def test_a_preference_change_keeps_every_other_field(resident: Browser, account: Any) -> None:
    customers = DynamoCustomerRepository()
    before = customers.get(account.holder.customer_id)

    answer = resident.post("/portal/preferences", {"language": "en", "ebilling": "yes"})

    assert (
        answer.status_code == 303 and answer.headers["Location"] == "/portal/account?preferences=1"
    )
    after = customers.get(account.holder.customer_id)
    assert (after.preferences.language, after.preferences.ebilling) == (Language.EN, True)
    assert after.version == before.version + 1
    assert after.contact == before.contact and after.name == before.name
    assert after.preferences.contact_method is ContactMethod.EMAIL
    assert after.preferences.email_consent == before.preferences.email_consent
    assert after.preferences.sms_consent == before.preferences.sms_consent
    assert DynamoAccountRepository().get(account.account_id).language is Language.EN
    revised = [
        e
        for e in DynamoAuditLog().entries_for(f"CUSTOMER#{after.customer_id}", 20, None).items
        if e.action == "CustomerRevised"
    ]
    assert [(e.actor_subject, e.actor_role) for e in revised] == [("resident", "resident")]
    assert (
        "Your preferences are saved." in resident.get("/portal/account?preferences=1").body.decode()
    )


def test_saving_unchanged_preferences_records_nothing(resident: Browser, account: Any) -> None:
    before = DynamoCustomerRepository().get(account.holder.customer_id)
    assert resident.post("/portal/preferences", {"language": "fr"}).status_code == 303
    assert DynamoCustomerRepository().get(account.holder.customer_id) == before


def test_e_billing_without_an_email_is_refused_naming_it(portal: Client, stores: Stores) -> None:
    account = opened(stores, "17 Rue Laval", with_email=False)
    resident = Browser(portal).signed_in(NUMBERING.display(account.account_number))
    answer = resident.post("/portal/preferences", {"language": "fr", "ebilling": "yes"})
    assert answer.status_code == 400
    page = answer.body.decode()
    assert 'href="#ebilling"' in page and 'aria-invalid="true"' in page
    assert 'aria-describedby="ebilling-hint ebilling-error"' in page
    assert not DynamoCustomerRepository().get(account.holder.customer_id).preferences.ebilling


def test_a_language_not_offered_is_named_in_french(portal: Client, account: Any) -> None:
    resident = Browser(portal, "fr-CA").signed_in(NUMBERING.display(account.account_number))
    page = resident.post("/portal/preferences", {"language": "de"}).body.decode()
    assert 'href="#language"' in page and "Choisissez le français ou l\u2019anglais." in page


def test_without_its_csrf_token_nothing_changes(resident: Browser, account: Any) -> None:
    before = DynamoCustomerRepository().get(account.holder.customer_id)
    answer = resident.post("/portal/preferences", {"language": "en"}, csrf=False)
    assert answer.status_code == 403
    assert DynamoCustomerRepository().get(account.holder.customer_id) == before


def sent_emails() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def verification_link(message: Any) -> str:
    match = re.search(r"https?://\S+/portal/preferences/email/verify\?token=\S+", message.body)
    assert match, message.body
    return match.group(0)


def test_a_new_email_address_changes_only_once_confirmed(resident: Browser, account: Any) -> None:
    customers = DynamoCustomerRepository()
    before = customers.get(account.holder.customer_id)

    asked = resident.post("/portal/preferences/email", {"email": " elise@nouveau.example.ca "})
    assert asked.status_code == 303 and asked.headers["Location"] == "/portal/preferences?sent=1"
    assert customers.get(account.holder.customer_id) == before  # not yet
    (message,) = sent_emails()
    assert message.destinations["ToAddresses"] == ["elise@nouveau.example.ca"]
    assert "Confirmez votre adresse courriel" in message.subject  # the holder's language
    link = verification_link(message)
    path = link.split("://", 1)[1].split("/", 1)[1]

    page = resident.get(f"/{path}").body.decode()  # opening the link changes nothing
    assert "elise@nouveau.example.ca" in page
    assert customers.get(account.holder.customer_id) == before
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token
    for _ in range(2):  # confirmed twice: changed once
        confirmed = resident.post("/portal/preferences/email/verify", {"token": token.group(1)})
        assert confirmed.status_code == 303
    after = customers.get(account.holder.customer_id)
    assert after.contact.email == "elise@nouveau.example.ca"
    assert after.version == before.version + 1
    assert (after.contact.phone, after.contact.mailing_address) == (
        before.contact.phone,
        before.contact.mailing_address,
    )
    assert after.preferences == before.preferences


def test_a_link_of_another_account_or_altered_changes_nothing(
    portal: Client, stores: Stores, resident: Browser, account: Any
) -> None:
    resident.post("/portal/preferences/email", {"email": "elise@nouveau.example.ca"})
    token = verification_link(sent_emails()[0]).split("token=", 1)[1]
    other = opened(stores, "19 Rue Laval")
    stranger = Browser(portal).signed_in(NUMBERING.display(other.account_number))
    refused = stranger.post("/portal/preferences/email/verify", {"token": token})
    altered = resident.post("/portal/preferences/email/verify", {"token": token[:-2] + "xx"})
    assert refused.status_code == altered.status_code == 400
    assert "This link no longer works" in refused.body.decode()
    before = DynamoCustomerRepository().get(account.holder.customer_id)
    assert before.contact.email == CONTACT.email


def test_a_malformed_address_is_named_and_nothing_is_sent(resident: Browser) -> None:
    answer = resident.post("/portal/preferences/email", {"email": "elise@"})
    assert answer.status_code == 400
    page = answer.body.decode()
    assert 'href="#email"' in page and 'aria-invalid="true"' in page
    assert 'value="fr" checked' in page  # the preferences as on file
    assert sent_emails() == []
