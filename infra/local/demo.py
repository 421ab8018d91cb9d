"""Demo data: a bilingual municipality on the Ontario side of the Ottawa River.

:func:`municipality` builds a deterministic :class:`Plan` (same seed and size, same plan): the
ordered staff-API calls that register landlords and properties and open accounts. A town has

- single-family homes (mostly owner-occupied, some rented), semi-detached pairs and townhouse
  rows (one parcel and roll number each), and multi-residential buildings of 4 to 24 units, on
  one shared meter (shares by unit size, 4 decimals, adding up to exactly 1) or metered per unit;
- civic addresses along streets named in English and French, a postal code per block face, a
  19-digit roll number with the town's municipality code, a map pin inside the town's box;
- customers with English or French names (accents included) and the matching notice language
  for most of them, contact preferences mixed (email and e-billing, mail, SMS); landlords that
  are people (some living elsewhere) or companies, each owning one or several rentals;
- an owner account for an owner-occupied home; for a rental, the landlord as owner of record
  and a tenant account per dwelling (landlord copies of notices sometimes), a few on autopay.

A plan loads two ways:

- :func:`load_via_api` sends its calls to the API (``make run`` through the local gateway, the
  tests through Chalice's test client), resolving each reference to an earlier call's ``id``;
- :func:`load_direct` runs the same request bodies through the same request models and services
  (``OpenAccount``, ``RegisterProperty``, ``RegisterCustomer``) and writes the items the
  DynamoDB adapter (``DynamoChanges``) builds for each change, in BatchWriteItem requests of 25
  instead of one transaction each: 50,000 accounts load in minutes. It skips what a bulk import
  should not do (publishing AccountOpened, so no welcome letters; the outbox) and the
  transaction conditions, so it is for an empty table only (it checks the number sequence).
  An empty table has no billing cycle to check the accounts against: they are checked against
  the town's own rates and cycle (:mod:`infra.local.demo_billing`), which will bill them.
"""

from __future__ import annotations

import json
import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from pynamodb.connection import Connection

from civiq.accounts.adapters.dynamodb_accounts import ACCOUNT_SEQUENCE
from civiq.accounts.adapters.dynamodb_changes import DynamoChanges
from civiq.accounts.adapters.memory import InMemoryStore
from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.properties import Property
from civiq.accounts.ports import (
    AccountRepository,
    Change,
    CustomerRepository,
    Entity,
    PropertyRepository,
)
from civiq.accounts.schemas.accounts import OpenAccountRequest
from civiq.accounts.schemas.customers import NewCustomerIn
from civiq.accounts.schemas.properties import RegisterPropertyRequest
from civiq.accounts.services.customers import RegisterCustomer
from civiq.accounts.services.open_account import OpenAccount
from civiq.accounts.services.properties import RegisterProperty
from civiq.accounts.services.recording import Recorder
from civiq.billing.adapters.memory import InMemoryCycles
from civiq.billing.services.requirements import CycleRequirements
from civiq.core.errors import NotFound
from civiq.core.events import Actor
from civiq.core.history import subject_of
from civiq.core.publishing import PublishEvents
from civiq.metering.adapters.memory import InMemoryMetering
from civiq.platform.dynamodb import keys
from civiq.platform.dynamodb.table import AccountItem, CounterItem
from civiq.rates.adapters.memory import InMemoryRateSchedules
from civiq.rates.schemas.rates import NewRateSchedule
from infra.local.demo_rates import sample_schedule
from infra.local.gateway import Handle

API = "/api/v1/utility"
CUSTOMERS = f"{API}/customers"
PROPERTIES = f"{API}/properties"
ACCOUNTS = f"{API}/accounts"

SHARE_PLACES = Decimal("0.0001")
PIN_PLACES = Decimal("0.000001")  # about 10 cm
REFERENCE_DAY = date(2025, 9, 1)  # service start dates are before it: accounts open active
LOADED_AT = datetime(2025, 12, 1, 14, 0, tzinfo=UTC)  # the direct load's clock
BATCH = 25  # BatchWriteItem's limit
ROUTES = ("1", "2", "3")  # meter-reading routes, by street
CART_SIZES = ("small", "medium", "medium", "large")  # waste carts, in turn

# Postal codes: no D, F, I, O, Q, U anywhere; no W or Z as the first letter.
POSTAL_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"


@dataclass(frozen=True)
class Town:
    """Where the demo municipality is: name, roll-number municipality code, postal areas, box."""

    name: str = "Pointe-aux-Érables"
    province: str = "ON"
    municipality_code: str = "0302"  # the first 4 digits of every roll number in the town
    fsas: tuple[str, ...] = ("K6A", "K6B", "K6C", "K6E", "K6G", "K6H")
    south: Decimal = Decimal("45.5800")
    north: Decimal = Decimal("45.6400")
    west: Decimal = Decimal("-74.6800")
    east: Decimal = Decimal("-74.5600")
    area_codes: tuple[str, ...] = ("613", "343", "819")
    routes: tuple[str, ...] = ROUTES


DEFAULT_TOWN = Town()


@dataclass(frozen=True)
class ApiCall:
    """One staff-API call. ``refs`` names body fields filled, at load time, with the ``id`` the
    API returned for an earlier call of the plan (by its index)."""

    method: str
    path: str
    body: dict[str, Any]
    refs: dict[str, int] = field(default_factory=dict)

    def resolved(self, ids: Sequence[str]) -> dict[str, Any]:
        return {**self.body, **{name: ids[index] for name, index in self.refs.items()}}


@dataclass(frozen=True)
class Plan:
    town: Town
    seed: int
    calls: tuple[ApiCall, ...]
    properties: int
    accounts: int
    customers: int

    def as_json(self) -> list[dict[str, Any]]:
        """The calls as plain data (what a test compares, or a file could hold)."""
        return [
            {"method": c.method, "path": c.path, "body": c.body, "refs": c.refs} for c in self.calls
        ]


# ----------------------------------------------------------------------------------- names
EN_FIRST = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "William", "Charlotte", "James", "Amelia", "Benjamin",
    "Sophia", "Lucas", "Mia", "Ethan", "Harper", "Jack", "Evelyn", "Owen", "Abigail", "Ryan",
    "Margaret", "Robert", "Linda", "David", "Susan", "Michael", "Karen", "Brian", "Heather",
    "Jennifer", "Scott", "Megan", "Graham", "Fiona", "Connor", "Siobhan", "Aidan", "Priya",
    "Arjun", "Mei", "Wei", "Fatima", "Omar", "Chidi", "Ngozi",
)  # fmt: skip
EN_LAST = (
    "Smith", "Brown", "Wilson", "Taylor", "Campbell", "MacDonald", "Stewart", "Anderson",
    "Thompson", "Robinson", "Murray", "Kelly", "O'Brien", "McLean", "Fraser", "Grant", "Ross",
    "Hall", "Young", "Scott", "Reid", "Clarke", "Walker", "Graham", "Miller", "Johnston",
    "Henderson", "Hughes", "Morrison", "Sinclair", "Patel", "Nguyen", "Chen", "Singh", "Okafor",
)  # fmt: skip
FR_FIRST = (
    "Émilie", "Félix", "Chloé", "Léo", "Zoé", "Gabriel", "Léa", "Raphaël", "Éloïse", "Jérôme",
    "Hélène", "François", "Mélanie", "Stéphane", "Benoît", "Geneviève", "Réjean", "Andrée",
    "Gaétan", "Josée", "Noël", "Joël", "Anaïs", "Mathéo", "Clément", "Sébastien", "Frédérique",
    "Élodie", "Jean-François", "Marie-Ève", "Marie-Hélène", "Pierre-Luc", "Louis", "Nathalie",
    "Sylvie", "Denis", "Yves", "Ginette", "Maxime", "Camille",
)  # fmt: skip
FR_LAST = (
    "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin",
    "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette",
    "Girard", "Simard", "Boucher", "Caron", "Beaulieu", "Cloutier", "Dubé", "Poirier", "Fournier",
    "Lapointe", "Leclerc", "Lefebvre", "Poulin", "Thibault", "St-Pierre", "Nadeau", "Béliveau",
    "Séguin", "Lalonde", "Charbonneau", "Brisebois", "Desjardins", "Deschênes", "Lafrenière",
    "Trépanier", "Tremblay-Côté", "Ménard", "Thériault",
)  # fmt: skip
PLACES = ("Outaouais", "Laurentides", "Rivière", "Val-Joli", "Riverside", "Champlain")
ORG_PATTERNS = {
    "fr": (
        "Gestion immobilière {last} inc.",
        "Habitations {last} inc.",
        "Immeubles {place} ltée",
        "Société d'habitation {place}",
        "{number}-{number4} Québec inc.",
    ),
    "en": (
        "{last} Property Management Ltd.",
        "{place} Rentals Inc.",
        "{last} Holdings Ltd.",
        "{place} Non-Profit Housing Corporation",
        "{number7} Ontario Inc.",
    ),
}
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # reserved: never delivered

# --------------------------------------------------------------------------------- streets
FR_STREET_BASES = (
    "Principale", "Notre-Dame", "Saint-Jean-Baptiste", "Champlain", "Laurier", "Cartier",
    "des Érables", "du Moulin", "de l'Église", "Sainte-Anne", "Saint-Louis", "Lafontaine",
    "Papineau", "Frontenac", "des Pins", "du Parc", "de la Rivière", "Tremblay", "Côté",
    "Béliveau", "Lévesque", "Sauvé", "Mercier", "Taché", "Brébeuf", "Montcalm", "Jolliet",
    "Desjardins", "de la Gare", "du Couvent", "des Ormes", "des Bouleaux", "Saint-Pierre",
    "Sainte-Marie", "Chartrand", "Gervais", "Cadieux", "Laflèche", "des Outardes", "du Quai",
)  # fmt: skip
FR_STREET_TYPES = ("Rue {}", "Avenue {}", "Boulevard {}", "Chemin {}", "Croissant {}", "Place {}")
EN_STREET_BASES = (
    "Main", "King", "Queen", "Mill", "Water", "Church", "Victoria", "Albert", "Maple", "Elm",
    "Oak", "Pine", "Cedar", "Birch", "Spruce", "Riverside", "Lakeview", "Park", "John",
    "William", "George", "Prince", "Wellington", "Nelson", "Bridge", "Front", "Centre", "High",
    "Orchard", "Hillcrest", "Stewart", "MacDonald", "Cameron", "Fraser", "McGill", "Higginson",
    "Spence", "Kitchener", "Lansdowne", "Tupper",
)  # fmt: skip
EN_STREET_TYPES = ("{} Street", "{} Avenue", "{} Drive", "{} Crescent", "{} Road", "{} Court")
ELSEWHERE = (  # where absentee landlords and companies get their mail
    (
        "Gatineau",
        "QC",
        ("J8X", "J8Y", "J8Z", "J9A", "J9H"),
        ("Boulevard Saint-Joseph", "Rue Laval"),
    ),
    ("Ottawa", "ON", ("K1N", "K1P", "K1R", "K2P", "K1S"), ("Bank Street", "Rideau Street")),
    ("Montréal", "QC", ("H2X", "H2J", "H3B"), ("Rue Sherbrooke Ouest", "Boulevard René-Lévesque")),
    ("Hawkesbury", "ON", ("K6A",), ("Main Street East", "Rue Principale")),
)


def ascii_word(text: str) -> str:
    """``Jean-François Côté`` -> ``jeanfrancoiscote``: for e-mail local parts."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def shares_for(units: Sequence[str], weights: Sequence[Decimal]) -> dict[str, str]:
    """Each unit's share of a shared meter by weight, to 4 decimals; the last unit takes what
    rounding leaves, so the shares add up to exactly 1."""
    total = sum(weights, Decimal(0))
    shares = [(w / total).quantize(SHARE_PLACES, ROUND_HALF_UP) for w in weights[:-1]]
    shares.append(Decimal(1) - sum(shares, Decimal(0)))
    return {unit: str(share) for unit, share in zip(units, shares, strict=True)}


@dataclass
class _Street:
    index: int
    name: str
    east_west: bool
    across: Decimal  # position across the town's box, 0..1
    capacity: int  # lots
    lots: int = 0
    numbers: list[int] = field(default_factory=lambda: [0, 0])  # last civic number per side


# Lot kinds: what one draw adds to the town.
SINGLE_OWNER = "single-family owner-occupied"
SINGLE_RENTAL = "single-family rental"
SEMI = "semi-detached pair"
ROW = "townhouse row"
MULTI_SHARED = "multi-residential, shared meter"
MULTI_INDIVIDUAL = "multi-residential, individual meters"
# The first lots show one of each; then draws by weight (about 38% of dwellings rented flats).
SHOWCASE = (SINGLE_OWNER, MULTI_SHARED, SEMI, SINGLE_RENTAL, ROW, MULTI_INDIVIDUAL)
WEIGHTS = {
    SINGLE_OWNER: 66,
    SINGLE_RENTAL: 10,
    SEMI: 12,
    ROW: 6,
    MULTI_SHARED: 3,
    MULTI_INDIVIDUAL: 3,
}
OPEN_STREETS = 6  # streets being built on at once


class _Builder:
    """Draws a town lot by lot from one seeded generator (so a plan is a pure function of its
    arguments) and records the API calls that register it."""

    def __init__(self, town: Town, seed: int, properties: int | None, accounts: int | None):
        self.town = town
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.max_properties = properties
        self.max_accounts = accounts
        self.calls: list[ApiCall] = []
        self.properties = 0
        self.accounts = 0
        self.customers = 0
        self.streets: list[_Street] = []
        self.street_names = self._street_names()
        self.postal_pool = self._postal_pool()
        self.postal_codes: dict[tuple[int, int, int], str] = {}
        self.landlords: dict[str, list[int]] = {"person": [], "organization": []}
        self.emails = 0

    # ------------------------------------------------------------------ limits
    def room(self) -> tuple[int, int]:
        """(properties, accounts) that may still be added."""
        big = 1 << 60
        props = big if self.max_properties is None else self.max_properties - self.properties
        accounts = big if self.max_accounts is None else self.max_accounts - self.accounts
        return props, accounts

    def full(self) -> bool:
        props, accounts = self.room()
        return props <= 0 or accounts <= 0

    # ------------------------------------------------------------------ streets and places
    def _street_names(self) -> Iterator[str]:
        names = [t.format(b) for b in FR_STREET_BASES for t in FR_STREET_TYPES]
        names += [t.format(b) for b in EN_STREET_BASES for t in EN_STREET_TYPES]
        self.rng.shuffle(names)
        yield from names
        number = 1
        while True:  # a big city: concession roads
            yield f"Concession Road {number}"
            number += 1

    def _postal_pool(self) -> Iterator[str]:
        codes = [
            f"{fsa} {d1}{letter}{d2}"
            for fsa in self.town.fsas
            for d1 in range(10)
            for letter in POSTAL_LETTERS
            for d2 in range(10)
        ]
        self.rng.shuffle(codes)
        yield from codes
        raise RuntimeError("the town has run out of postal codes: give it more FSAs")

    def street(self) -> _Street:
        while len([s for s in self.streets if s.lots < s.capacity]) < OPEN_STREETS:
            self.streets.append(
                _Street(
                    index=len(self.streets),
                    name=next(self.street_names),
                    east_west=self.rng.random() < 0.5,
                    across=Decimal(self.rng.randint(30, 970)) / 1000,
                    capacity=self.rng.randint(20, 200),
                    numbers=[self.rng.randrange(-1, 60, 2), self.rng.randrange(0, 60, 2)],
                )
            )
        return self.rng.choice([s for s in self.streets if s.lots < s.capacity])

    def civic_numbers(self, street: _Street, count: int, gap: int) -> list[int]:
        """``count`` adjacent civic numbers on one side of ``street`` (odd or even by side)."""
        side = street.lots % 2
        street.lots += 1
        first = street.numbers[side] + gap
        numbers = [first + 2 * i for i in range(count)]
        street.numbers[side] = numbers[-1]
        return numbers

    def roll_number(self, street: _Street, parcel: int) -> str:
        """Municipality (4), map area (3), map division (3), parcel (5), sub-parcel (4)."""
        area = 1 + street.index // 50
        division = (street.index % 50) * 20
        return f"{self.town.municipality_code}{area:03d}{division:03d}{parcel:05d}0000"

    def postal_code(self, street: _Street, number: int) -> str:
        key = (street.index, number % 2, number // 100)  # one code per block face
        if key not in self.postal_codes:
            self.postal_codes[key] = next(self.postal_pool)
        return self.postal_codes[key]

    def pin(self, street: _Street, number: int) -> dict[str, str]:
        t = self.town
        along = min(Decimal(number) / 1200, Decimal(1))
        side = Decimal("0.00015") * (1 if number % 2 else -1)
        if street.east_west:
            lat = t.south + street.across * (t.north - t.south) + side
            lon = t.west + along * (t.east - t.west)
        else:
            lat = t.south + along * (t.north - t.south)
            lon = t.west + street.across * (t.east - t.west) + side
        lat = min(max(lat, t.south), t.north).quantize(PIN_PLACES)
        lon = min(max(lon, t.west), t.east).quantize(PIN_PLACES)
        return {"latitude": str(lat), "longitude": str(lon)}

    def property_body(
        self,
        street: _Street,
        number: int,
        parcel: int,
        property_type: str,
        units: list[str] | None = None,
        shares: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "address": {
                "street": f"{number} {street.name}",
                "city": self.town.name,
                "province": self.town.province,
                "postal_code": self.postal_code(street, number),
            },
            "property_type": property_type,
            "roll_number": self.roll_number(street, parcel),
            "location": self.pin(street, number),
            "route": self.town.routes[street.index % len(self.town.routes)],
        }
        if units:
            body["units"] = units
            body["meters"] = (
                {"arrangement": "shared", "shares": shares}
                if shares
                else {"arrangement": "individual"}
            )
        return body

    def elsewhere(self) -> dict[str, Any]:
        city, province, fsas, streets = self.rng.choice(ELSEWHERE)
        ldu = f"{self.rng.randint(0, 9)}{self.rng.choice(POSTAL_LETTERS)}{self.rng.randint(0, 9)}"
        address = {
            "street": f"{self.rng.randint(1, 1999)} {self.rng.choice(streets)}",
            "city": city,
            "province": province,
            "postal_code": f"{self.rng.choice(fsas)} {ldu}",
        }
        if self.rng.random() < 0.4:
            address["unit"] = str(self.rng.randint(2, 30) * 100 + self.rng.randint(1, 12))
        return address

    # ------------------------------------------------------------------ people
    def email(self, *words: str) -> str:
        self.emails += 1
        local = ".".join(w for w in (ascii_word(x) for x in words) if w)
        return f"{local}{self.emails}@{self.rng.choice(EMAIL_DOMAINS)}"

    def phone(self) -> str:
        return f"{self.rng.choice(self.town.area_codes)}-555-01{self.rng.randint(0, 99):02d}"

    def contact_and_preferences(
        self, language: str, email_words: tuple[str, ...], organization: bool
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        draw = self.rng.random()
        if organization or draw < 0.45:
            method, ebilling = "email", organization or self.rng.random() < 0.8
        elif draw < 0.8:
            method, ebilling = "mail", False
        else:
            method, ebilling = "sms", False
        contact: dict[str, Any] = {}
        if method == "email" or ebilling or self.rng.random() < 0.3:
            contact["email"] = self.email(*email_words)
        if method == "sms" or organization or self.rng.random() < 0.7:
            contact["phone"] = self.phone()
        preferences = {"language": language, "contact_method": method, "ebilling": ebilling}
        return contact, preferences

    def person(self, language: str | None = None, absentee: bool = False) -> dict[str, Any]:
        """A resident: French or English name; notice language matching the name, mostly."""
        french = self.rng.random() < 0.55 if language is None else language == "fr"
        first = self.rng.choice(FR_FIRST if french else EN_FIRST)
        mixed = self.rng.random() < 0.1  # a French first name with an English surname, or not
        last = self.rng.choice(EN_LAST if french == mixed else FR_LAST)
        if language is None:
            language = ("fr" if self.rng.random() < 0.88 else "en") if french else "en"
            if not french and self.rng.random() < 0.05:
                language = "fr"
        contact, preferences = self.contact_and_preferences(language, (first, last), False)
        if absentee:
            contact["mailing_address"] = self.elsewhere()
        self.customers += 1
        return {"name": f"{first} {last}", "contact": contact, "preferences": preferences}

    def organization(self) -> dict[str, Any]:
        language = "fr" if self.rng.random() < 0.5 else "en"
        pattern = self.rng.choice(ORG_PATTERNS[language])
        name = pattern.format(
            last=self.rng.choice(FR_LAST if language == "fr" else EN_LAST),
            place=self.rng.choice(PLACES),
            number=self.rng.randint(9000, 9499),
            number4=self.rng.randint(1000, 9999),
            number7=self.rng.randint(1000000, 2999999),
        )
        contact, preferences = self.contact_and_preferences(language, ("info",), True)
        contact["mailing_address"] = self.elsewhere()
        self.customers += 1
        return {
            "kind": "organization",
            "name": name,
            "contact": contact,
            "preferences": preferences,
        }

    def landlord(self, organization: bool) -> int:
        """The index of the call registering the landlord: often one who owns rentals already."""
        kind = "organization" if organization else "person"
        known = self.landlords[kind]
        if known and self.rng.random() < 0.6:
            return self.rng.choice(known)
        body = self.organization() if organization else self.person(absentee=True)
        self.calls.append(ApiCall("POST", CUSTOMERS, body))
        known.append(len(self.calls) - 1)
        return len(self.calls) - 1

    # ------------------------------------------------------------------ accounts
    def cart_size(self) -> str:
        return CART_SIZES[self.accounts % len(CART_SIZES)]

    def moved_in(self, years: int) -> str:
        return (REFERENCE_DAY - timedelta(days=self.rng.randint(0, 365 * years))).isoformat()

    def services(self, kinds: Sequence[str], start: str) -> list[dict[str, Any]]:
        return [{"service_type": kind, "start_date": start} for kind in kinds]

    def owner_account(self, prop: dict[str, Any], language: str | None = None) -> None:
        self.properties += 1
        self.accounts += 1
        body = {
            "customer": self.person(language),
            "property": prop,
            "holder_role": "owner",
            "services": self.services(("water", "sewer", "stormwater", "waste"), self.moved_in(30)),
            "autopay": self.rng.random() < 0.15,
            "cart_size": self.cart_size(),
        }
        self.calls.append(ApiCall("POST", ACCOUNTS, body))

    def rental(
        self,
        prop: dict[str, Any],
        organization: bool,
        services: Sequence[str],
        language: str | None = None,
    ) -> None:
        """The landlord owns the property; every dwelling (or the house) gets a tenant account."""
        owner = self.landlord(organization)
        self.calls.append(ApiCall("POST", PROPERTIES, prop, {"owner_customer_id": owner}))
        self.properties += 1
        registered = len(self.calls) - 1
        for unit in prop.get("units") or [None]:
            body: dict[str, Any] = {
                "customer": self.person(language),
                "holder_role": "tenant",
                "services": self.services(services, self.moved_in(8)),
                "autopay": self.rng.random() < 0.08,
                "landlord_copies": self.rng.random() < 0.35,
            }
            if "waste" in services:
                body["cart_size"] = self.cart_size()
            if unit is not None:
                body["unit"] = unit
            self.calls.append(ApiCall("POST", ACCOUNTS, body, {"property_id": registered}))
            self.accounts += 1

    def home(self, street: _Street, number: int, parcel: int, kind: str, rented: bool) -> None:
        prop = self.property_body(street, number, parcel, kind)
        if rented:
            self.rental(prop, self.rng.random() < 0.2, ("water", "sewer", "waste"))
        else:
            self.owner_account(prop)

    # ------------------------------------------------------------------ lots
    def lot(self, kind: str, showcase: bool) -> None:
        """One lot of ``kind``; the showcase lots fix the holders' languages (both present)."""
        props, accounts = self.room()
        if kind in (MULTI_SHARED, MULTI_INDIVIDUAL) and accounts < 4:
            kind = SINGLE_OWNER  # no room left for a building
        street = self.street()
        parcel = (street.lots + 1) * 100
        if kind == SINGLE_OWNER:
            number = self.civic_numbers(street, 1, self.rng.choice((2, 4, 6, 8)))[0]
            prop = self.property_body(street, number, parcel, "single-family")
            self.owner_account(prop, "fr" if showcase else None)
        elif kind == SINGLE_RENTAL:
            number = self.civic_numbers(street, 1, self.rng.choice((2, 4, 6, 8)))[0]
            prop = self.property_body(street, number, parcel, "single-family")
            services = ("water", "sewer", "stormwater", "waste")
            self.rental(prop, False, services, "en" if showcase else None)
        elif kind in (SEMI, ROW):
            size = 2 if kind == SEMI else self.rng.randint(3, 6)
            numbers = self.civic_numbers(street, size, self.rng.choice((4, 6, 8)))
            for offset, number in enumerate(numbers[: min(props, accounts)]):
                rented = self.rng.random() < (0.15 if kind == SEMI else 0.25)
                self.home(street, number, parcel + offset, kind.split()[0], rented)
        else:
            self.building(street, parcel, kind == MULTI_SHARED, min(accounts, 24))

    def building(self, street: _Street, parcel: int, shared: bool, most: int) -> None:
        size = min(self.rng.randint(4, 24), most)
        number = self.civic_numbers(street, 1, self.rng.choice((10, 14, 20)))[0]
        if size <= 8:
            units = [str(i) for i in range(1, size + 1)]
        else:
            per_floor = self.rng.randint(4, 8)
            units = [f"{1 + i // per_floor}{1 + i % per_floor:02d}" for i in range(size)]
        shares = None
        if shared:  # by size: studio, one, two, three bedrooms
            weights = [self.rng.choice(("0.7", "0.85", "1", "1.25")) for _ in units]
            shares = shares_for(units, [Decimal(w) for w in weights])
        prop = self.property_body(
            street, number, parcel, "multi-residential", units=units, shares=shares
        )
        self.rental(prop, self.rng.random() < 0.7, ("water", "sewer"))

    def build(self) -> None:
        lots = 0
        kinds = list(WEIGHTS)
        weights = list(WEIGHTS.values())
        while not self.full():
            showcase = lots < len(SHOWCASE)
            kind = SHOWCASE[lots] if showcase else self.rng.choices(kinds, weights)[0]
            self.lot(kind, showcase)
            lots += 1


def municipality(
    properties: int | None = None,
    accounts: int | None = None,
    seed: int = 7,
    town: Town = DEFAULT_TOWN,
) -> Plan:
    """The plan of a town with ``properties`` properties or ``accounts`` accounts (the first
    limit reached ends it; a building at the end is made smaller to fit ``accounts``)."""
    if properties is None and accounts is None:
        raise ValueError("give the number of properties or of accounts")
    builder = _Builder(town, seed, properties, accounts)
    builder.build()
    return Plan(
        town=town,
        seed=seed,
        calls=tuple(builder.calls),
        properties=builder.properties,
        accounts=builder.accounts,
        customers=builder.customers,
    )


# ------------------------------------------------------------------------ loading: the API
Send = Callable[[str, str, dict[str, Any]], tuple[int, Any]]


class DemoLoadError(RuntimeError):
    pass


def load_via_api(plan: Plan, send: Send) -> list[dict[str, Any]]:
    """Make every call of ``plan`` with ``send(method, path, body) -> (status, JSON)``; returns
    the opened accounts as the API answered them, in plan order."""
    ids: list[str] = []
    opened = []
    for index, call in enumerate(plan.calls):
        status, answer = send(call.method, call.path, call.resolved(ids))
        if status != 201:
            raise DemoLoadError(f"demo call {index} {call.method} {call.path} ({status}): {answer}")
        ids.append(answer["id"])
        if call.path == ACCOUNTS:
            opened.append(answer)
    return opened


def gateway_sender(handle: Handle, token: str) -> Send:
    """A :data:`Send` over a local API gateway's ``handle(method, path, headers, body)``."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def send(method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        status, _, raw = handle(method, path, headers, json.dumps(body).encode())
        return status, json.loads(raw or b"null")

    return send


# ------------------------------------------------------------------- loading: direct (bulk)
@dataclass(frozen=True)
class DirectLoad:
    customers: int
    properties: int
    accounts: int
    items: int
    batch_requests: int
    seconds: float
    ids: tuple[str, ...] = field(repr=False)  # what each call created: its "id" in the API


class _DemoIds:
    """ULID-shaped ids (26 Crockford base-32 characters) from a seeded generator."""

    ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

    def __init__(self, seed: int, at: datetime) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - demo ids, not secrets
        self._millis = int(at.timestamp() * 1000)

    def new_id(self) -> str:
        value = (self._millis << 80) | self._rng.getrandbits(80)
        return "".join(self.ALPHABET[(value >> shift) & 31] for shift in range(125, -1, -5))


class _FixedClock:
    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at


class _Silent:
    """Outbox and publisher for a bulk import: nothing is announced."""

    def publish(self, events: Sequence[Any]) -> None:
        return None

    def mark_published(self, events: Sequence[Any]) -> None:
        return None

    def pending(self, older_than: datetime, limit: int) -> Sequence[Any]:
        return ()


class _Known:
    """What the services read back during a load (the entities it created), and account numbers
    from a block reserved once on the table's own counter."""

    def __init__(self, first_sequence: int) -> None:
        self.entities: dict[str, Entity] = {}
        self.rolls: dict[str, Property] = {}
        self._sequence = first_sequence - 1

    def remember(self, entity: Entity) -> None:
        self.entities[subject_of(entity).split("#", 1)[1]] = entity
        if isinstance(entity, Property) and entity.roll_number:
            self.rolls[entity.roll_number] = entity

    def next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def get(self, entity_id: str) -> Any:
        try:
            return self.entities[entity_id]
        except KeyError:
            raise NotFound(f"no demo entity {entity_id}", "id") from None

    def get_by_roll_number(self, roll_number: str) -> Property:
        try:
            return self.rolls[roll_number]
        except KeyError:
            raise NotFound(f"no demo property with roll number {roll_number}", "roll") from None


class _ItemCollector:
    """Stands in for DynamoChanges' connection: keeps the items each transaction would put, and
    sums the counters it would ADD to (written once, at the end)."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.counters: dict[tuple[str, str], Counter[str]] = {}

    def transact_write_items(
        self,
        *,
        put_items: list[dict[str, Any]],
        delete_items: list[dict[str, Any]],
        update_items: list[dict[str, Any]],
        **_: Any,
    ) -> None:
        if delete_items:
            raise ValueError("a demo load only creates items")
        self.items.extend(kwargs["Item"] for kwargs in put_items)
        for kwargs in update_items:
            self._add(kwargs)

    def _add(self, kwargs: dict[str, Any]) -> None:
        expression: str = kwargs["UpdateExpression"]
        if not expression.startswith("ADD ") or " SET " in expression:
            raise ValueError(f"a demo load only creates items and counts: {expression}")
        key = (kwargs["Key"]["PK"]["S"], kwargs["Key"]["SK"]["S"])
        counter = self.counters.setdefault(key, Counter())
        for pair in expression.removeprefix("ADD ").split(", "):
            name, value = pair.split(" ")
            attribute = kwargs["ExpressionAttributeNames"][name]
            counter[attribute] += int(kwargs["ExpressionAttributeValues"][value]["N"])

    def counter_items(self) -> list[dict[str, Any]]:
        return [
            {"PK": {"S": pk}, "SK": {"S": sk}}
            | {name: {"N": str(total)} for name, total in counts.items() if total}
            for (pk, sk), counts in self.counters.items()
        ]


def _batches(client: Any, table: str, items: list[dict[str, Any]]) -> int:
    """Write ``items`` with BatchWriteItem, 25 at a time, retrying unprocessed ones."""
    requests = 0
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        pending: list[dict[str, Any]] = [{"PutRequest": {"Item": i}} for i in chunk]
        delay = 0.05
        while pending:
            answer = client.batch_write_item(RequestItems={table: pending})
            requests += 1
            pending = answer.get("UnprocessedItems", {}).get(table, [])
            if pending:
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
    return requests


def _town_billing() -> CycleRequirements:
    """What the town's billing needs of an account, from its rates and cycle held in memory."""
    from infra.local.demo_billing import cycle  # demo_billing builds on this module

    store = InMemoryStore()
    rates = InMemoryRateSchedules(store)
    schedule = NewRateSchedule.model_validate_json(json.dumps(sample_schedule())).to_domain()
    rates.schedules[schedule.schedule_id] = schedule
    cycles = InMemoryCycles(store)
    town_cycle = cycle()
    cycles.cycles[town_cycle.cycle_id] = town_cycle
    return CycleRequirements(cycles, rates, InMemoryMetering(store))


def load_direct(
    plan: Plan,
    numbering_prefix: str = "UB",
    numbering_width: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> DirectLoad:
    """Load ``plan`` into the configured table (``configure_models`` first) without the API.

    Each request body goes through the API's request model and the service the route calls,
    with the same clock and ids for the whole load; each change is turned into items by
    ``DynamoChanges`` itself and written in batches. Events are not published (no welcome
    letters, no outbox items); history entries are written. Use it on an empty table: it
    reserves the account numbers on the table's counter and refuses a counter already used.
    """
    started = time.monotonic()
    counter = CounterItem(pk=keys.counter_pk(ACCOUNT_SEQUENCE), sk=keys.COUNTER_SK)
    counter.update(actions=[CounterItem.value.add(plan.accounts)])
    last = int(counter.value)
    if last != plan.accounts:
        raise ValueError("load_direct writes without conditions: use it on an empty table")
    known = _Known(first_sequence=last - plan.accounts + 1)
    collector = _ItemCollector()

    class Collected(DynamoChanges):
        def _client(self) -> Connection:
            return cast(Connection, collector)

        def commit(self, change: Change) -> None:
            super().commit(replace(change, events=()))  # no outbox items: nothing to announce
            for entity in [*change.created, *(after for _, after in change.revised)]:
                known.remember(entity)

    changes = Collected()
    recorder = Recorder(_FixedClock(LOADED_AT), _DemoIds(plan.seed, LOADED_AT))
    silent = _Silent()
    customers = cast(CustomerRepository, known)
    properties = cast(PropertyRepository, known)
    register_customer = RegisterCustomer(changes, recorder)
    register_property = RegisterProperty(properties, customers, changes, recorder)
    open_account = OpenAccount(
        cast(AccountRepository, known),
        properties,
        customers,
        changes,
        PublishEvents(silent, silent),
        recorder,
        AccountNumberScheme(numbering_prefix, numbering_width),
        _town_billing(),
    )
    actor = Actor("demo-loader", "admin")
    client = Connection(region=AccountItem.Meta.region, host=AccountItem.Meta.host).client
    table = AccountItem.Meta.table_name
    ids: list[str] = []
    requests = items = 0
    for index, call in enumerate(plan.calls):
        raw = json.dumps(call.resolved(ids))
        cid = f"demo-{index}"
        if call.path == CUSTOMERS:
            customer = register_customer(
                NewCustomerIn.model_validate_json(raw).to_new(), actor, cid
            )
            ids.append(customer.customer_id)
        elif call.path == PROPERTIES:
            body = RegisterPropertyRequest.model_validate_json(raw)
            prop = register_property(
                body.to_new(owner_customer_id=body.owner_customer_id), actor, cid
            )
            ids.append(prop.property_id)
        else:
            command = OpenAccountRequest.model_validate_json(raw).to_command()
            ids.append(open_account(command, actor, cid).account_id)
        if len(collector.items) >= 40 * BATCH or index == len(plan.calls) - 1:
            if index == len(plan.calls) - 1:
                collector.items.extend(collector.counter_items())
            requests += _batches(client, table, collector.items)
            items += len(collector.items)
            collector.items.clear()
            if progress is not None:
                progress(index + 1, len(plan.calls))
    return DirectLoad(
        customers=plan.customers,
        properties=plan.properties,
        accounts=plan.accounts,
        items=items,
        batch_requests=requests,
        seconds=time.monotonic() - started,
        ids=tuple(ids),
    )
