"""A generated town and a bank remittance file with the errors real payers make, and the truth.

Deterministic for a seed. The town is plain data (:class:`TownAccount`) so that unit tests match
against :class:`TownDirectory` while bench/ and integration tests load the same accounts into
DynamoDB. It has what a city's accounts have: names as common as in Quebec (a few surnames and
first names carry a large share, so at 300,000 accounts the commonest names are held by dozens
of accounts), bills equal to the cent (a third are one of a few flat rates), accounts closed by
a move or a sale, a quarter of them still owing their final bill, and sales within a family
(the buyer has the seller's surname). The file's lines, by how the payer typed the reference:

============  =====  ============================================================================
kind          share  reference
============  =====  ============================================================================
exact          77 %  the right number, spaced, dashed, in lower case or without its prefix
swapped         6 %  two adjacent digits transposed
mistyped        5 %  one digit mistyped (often a neighbouring key)
previous        3 %  the number of an account closed by a move or a sale, owing or not, paid for
                     the account that followed it (the mover's, or the buyer's: the number on a
                     bill left behind)
final-bill      2 %  the number of a closed account still owing, paid for that final bill
no-number       4 %  blank or words ("FACTURE EAU"): only the name and the amount say whose it is
wrong-number  0.5 %  a valid number of another account: the ``09``/``90`` swap the check digit
                     cannot see, or two digits wrong
stranger      2.5 %  a payment meant for no account of the town (another biller, a made-up number)
============  =====  ============================================================================

Payers are mostly the holder (name as printed, in capitals, without accents, last name first,
with a title, or an initial), sometimes a family member or someone else (a tenant, a company).
Most pay what a statement owes; others pay a round sum or any amount.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.core.text import fold
from civiq.payments.domain.remittance import AccountFacts, LineMatch, name_keys

SCHEME = AccountNumberScheme()
FIRST_NAMES_FR = (
    "Marie", "Jean", "Marie-Ève", "Jean-François", "Hélène", "André", "Andrée", "Josée",
    "Réjean", "Gaétan", "Cécile", "François", "Benoît", "Noémie", "Zoé", "Maëlle", "Loïc",
    "Stéphane", "Sylvie", "Luc", "Denis", "Nathalie", "Isabelle", "Mathieu", "Geneviève",
    "Jérôme", "Louise", "Pierre", "Chloé", "Émile", "Léa", "Gilles", "Francine", "Yves",
    "Jean-Guy", "Marie-Claude", "Thérèse", "Raymond", "Sébastien", "Élise", "Alain", "Claude",
    "Daniel", "Diane", "Guy", "Johanne", "Lise", "Manon", "Martine", "Michel", "Monique",
    "Nicole", "Normand", "Serge", "Suzanne", "Chantal", "Lucie", "Annie", "Caroline", "Julie",
    "Mélanie", "Éric", "Martin", "Simon", "Maxime", "Alexandre", "Olivier", "Gabriel", "Samuel",
    "Félix", "Justine", "Camille", "Rosalie", "Laurence", "Anne-Marie", "Pierre-Luc",
    "Marc-André", "Ginette", "Réal", "Jocelyne", "Mireille",
)  # fmt: skip
FIRST_NAMES_EN = (
    "John", "Mary", "Patrick", "Sarah", "David", "Linda", "Michael", "Karen", "James",
    "Susan", "Robert", "Emily", "William", "Jennifer", "Brian", "Heather", "Kevin", "Megan",
    "Douglas", "Fiona", "Paul", "Barbara", "Richard", "Nancy", "Thomas", "Lisa", "Christopher",
    "Donna", "Daniel", "Carol", "Mark", "Laura", "Steven", "Rebecca", "Andrew", "Shannon",
    "Jason", "Melissa", "Scott", "Alison",
)  # fmt: skip
SURNAMES_FR = (
    "Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin",
    "Gagné", "Ouellet", "Pelletier", "Bélanger", "Lévesque", "Bergeron", "Leblanc", "Paquette",
    "Girard", "Simard", "Boucher", "Caron", "Beaulieu", "Cloutier", "Dubé", "Poirier",
    "Fournier", "Lapointe", "Leclerc", "Lefebvre", "Poulin", "Thibault", "St-Pierre",
    "Nadeau", "Martin", "Landry", "Gosselin", "Bédard", "Desjardins", "Hébert", "Savard",
    "Proulx", "Langlois", "Lessard", "Daigle", "Vaillancourt", "D'Amours", "Thériault",
    "Bélisle", "Lachance", "Dionne", "Gingras", "Grenier", "Harvey", "Labbé", "Lacroix",
    "Lalonde", "Lambert", "Larouche", "Mercier", "Michaud", "Paradis", "Perron", "Picard",
    "Plante", "Rioux", "Rousseau", "Vachon", "Villeneuve", "Boivin", "Bolduc", "Carrier",
    "Charbonneau", "Champagne", "Deschênes", "Demers", "Drouin", "Dufour", "Dumont", "Dupuis",
    "Duval", "Émond", "Fillion", "Fontaine", "Fréchette", "Gendron", "Giroux", "Guay", "Hamel",
    "Huard", "Lamontagne", "Laplante", "Leduc", "Lemieux", "Lemay", "Lepage", "Marcotte",
    "Ménard", "Moreau", "Paré", "Pépin", "Racine", "Rivard", "Robitaille", "Sauvé", "Séguin",
    "Tessier", "Thibodeau", "Trudel", "Turcotte", "Vézina", "Bilodeau", "Beaudoin", "Brassard",
    "Cyr", "Laflamme", "Lavallée", "Lavigne", "Auclair", "Bernier", "Blais", "Brisson",
)  # fmt: skip
SURNAMES_EN = (
    "Smith", "Brown", "Wilson", "MacDonald", "Campbell", "Anderson", "Taylor", "Johnson",
    "Murphy", "Kelly", "Young", "Clarke", "Stewart", "Robertson", "Reid", "O'Neill",
    "Fraser", "McLean", "Walsh", "Graham", "Thompson", "White", "Miller", "Davis", "Jones",
    "Scott", "Morrison", "Ross", "Hamilton", "Bell", "Watson", "Ferguson", "Cameron", "Murray",
    "Hughes", "Sullivan", "Ryan", "Doyle", "Gallagher", "Kennedy", "Wright", "Evans", "Hall",
    "Wood", "Harris", "Lewis", "Walker",
)  # fmt: skip
BUSINESSES = (
    "Dépanneur {s}", "Garage {s} inc.", "Boulangerie {s}", "{s} Plumbing Ltd.",
    "Ferme {s} et Fils", "Clinique dentaire {s}", "Restaurant chez {f}",
)  # fmt: skip
TITLES = ("M.", "Mme", "Mr", "Mrs", "Ms", "Dr")
WORDS_FOR_A_BILL = (
    "", "", "", "FACTURE EAU", "Water bill", "compte eau", "taxes", "n/a", "UB", "eau/water",
    "Facture 2026-10", "bill payment",
)  # fmt: skip
ROUND_SUMS = tuple(Decimal(n) for n in (20, 25, 40, 50, 60, 75, 100, 120, 150, 200, 250, 300))
# Flat rates (unmetered homes, one fixed charge per period): bills equal to the cent.
FLAT_BILLS = (Decimal("85.10"), Decimal("112.35"), Decimal("64.80"))
FLAT_SHARE = 0.33
LINE_KINDS = (
    ("exact", 77),
    ("swapped", 6),
    ("mistyped", 5),
    ("previous", 3),
    ("final-bill", 2),
    ("no-number", 4),
    ("wrong-number", 0.5),
    ("stranger", 2.5),
)
FIRST_DAY = date(2026, 11, 2)
CENTS = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class TownAccount:
    """One account of the town, as plain data. ``successor_ids`` name the accounts that
    followed a closed one: its holder's new account (``closed_by`` "move") and, after a sale,
    the buyer's account of the same property (``closed_by`` "sale")."""

    account_id: str
    account_number: str
    property_id: str
    holder_names: tuple[str, ...]
    open_amounts: tuple[Decimal, ...] = ()
    credit: Decimal = Decimal(0)
    active: bool = True
    closed_by: str | None = None
    successor_ids: tuple[str, ...] = ()

    @property
    def balance(self) -> Decimal:
        return sum(self.open_amounts, Decimal(0)) - self.credit

    def facts(self) -> AccountFacts:
        return AccountFacts(
            account_id=self.account_id,
            account_number=self.account_number,
            active=self.active,
            holder_names=self.holder_names,
            open_amounts=self.open_amounts,
            balance=self.balance,
        )


@dataclass(frozen=True, slots=True)
class Town:
    accounts: dict[str, TownAccount]
    scheme: AccountNumberScheme = SCHEME

    def directory(self) -> TownDirectory:
        return TownDirectory(self)


@dataclass
class TownDirectory:
    """The town as an :class:`~civiq.payments.domain.remittance.AccountDirectory`, in memory."""

    town: Town
    numbers: dict[str, AccountFacts] = field(init=False)
    names: dict[str, list[AccountFacts]] = field(init=False)

    def __post_init__(self) -> None:
        facts = [account.facts() for account in self.town.accounts.values()]
        self.numbers = {f.account_number: f for f in facts}
        self.names = {}
        for f in facts:
            for key in {key for name in f.holder_names for key in name_keys(name)}:
                self.names.setdefault(key, []).append(f)

    def by_number(self, number: str) -> AccountFacts | None:
        return self.numbers.get(number)

    def successors(self, account_id: str) -> Sequence[AccountFacts]:
        followers = self.town.accounts[account_id].successor_ids
        return [self.town.accounts[s].facts() for s in followers]

    def by_name(self, name_key: str, most: int) -> Sequence[AccountFacts] | None:
        found = self.names.get(name_key, [])
        return None if len(found) > most else found


@dataclass(frozen=True, slots=True)
class Remittance:
    """A generated file: its CSV text and, line by line, the account really paid (or None)."""

    text: str
    truth: dict[int, str | None]
    kinds: dict[int, str]  # line -> kind (see the module's table)


# --- the town -------------------------------------------------------------------------------------


def _commonest_first(names: Sequence[str]) -> list[float]:
    """Cumulative weights for ``names`` listed commonest first, each less common than the one
    before as in a real population (the k-th is 1/k**0.25 as common as the first): at 300,000
    accounts the commonest first name and surname together are held by about a hundred."""
    return list(itertools.accumulate(1 / (k**0.25) for k in range(1, len(names) + 1)))


NAME_WEIGHTS = {
    names: _commonest_first(names)
    for names in (FIRST_NAMES_FR, FIRST_NAMES_EN, SURNAMES_FR, SURNAMES_EN)
}


def _name(names: Sequence[str], rng: random.Random) -> str:
    return rng.choices(names, cum_weights=NAME_WEIGHTS[names])[0]


def build_town(seed: int = 6, accounts: int = 12_000) -> Town:
    """``accounts`` original accounts numbered 1, 2, ...; about 4 % closed by a move and 4 % by
    a sale (a third of sales within the family), their followers numbered after them; a
    quarter of the closed accounts still owe their final bill."""
    rng = random.Random(seed)
    town: dict[str, TownAccount] = {}
    for sequence in range(1, accounts + 1):
        account = TownAccount(
            account_id=f"ACC-{sequence:06d}",
            account_number=SCHEME.number_for(sequence),
            property_id=f"P-{sequence:06d}",
            holder_names=(_holder(rng),),
            open_amounts=_open_amounts(rng),
        )
        if not account.open_amounts and rng.random() < 0.3:
            account = replace(account, credit=Decimal(rng.randint(500, 10_000)) * CENTS)
        town[account.account_id] = account
    next_sequence = accounts + 1
    for account_id in rng.sample(sorted(town), k=accounts * 8 // 100):
        closed = town[account_id]
        followers: list[tuple[str, tuple[str, ...]]] = []
        kind = rng.choice(("move", "sale"))
        if kind == "sale":  # the buyer takes the property over
            seller = closed.holder_names[0]
            family = _is_person(seller) and rng.random() < 0.33
            buyer = _relative(seller, rng) if family else _holder(rng)
            followers.append((closed.property_id, (buyer,)))
        if kind == "move" or rng.random() < 0.4:  # the holder's new home in town
            followers.append((f"P-{next_sequence:06d}", closed.holder_names))
        ids = []
        for property_id, names in followers:
            follower = TownAccount(
                account_id=f"ACC-{next_sequence:06d}",
                account_number=SCHEME.number_for(next_sequence),
                property_id=property_id,
                holder_names=names,
                open_amounts=(_bill(rng),),
            )
            town[follower.account_id] = follower
            ids.append(follower.account_id)
            next_sequence += 1
        final_bill = (_bill(rng),) if rng.random() < 0.25 else ()
        town[account_id] = replace(
            closed,
            active=False,
            closed_by=kind,
            successor_ids=tuple(ids),
            open_amounts=final_bill,
            credit=Decimal(0),
        )
    return Town(town)


def _holder(rng: random.Random) -> str:
    french = rng.random() < 0.7
    first = _name(FIRST_NAMES_FR if french else FIRST_NAMES_EN, rng)
    surname = _name(SURNAMES_FR if french else SURNAMES_EN, rng)
    roll = rng.random()
    if roll < 0.05:
        surname = f"{surname}-{_name(SURNAMES_FR, rng)}"
    elif roll < 0.08:
        return rng.choice(BUSINESSES).format(s=surname, f=first)
    elif roll < 0.16:
        partner = _name(FIRST_NAMES_FR if french else FIRST_NAMES_EN, rng)
        return f"{first} {'et' if french else 'and'} {partner} {surname}"
    suffix = " Jr" if rng.random() < 0.02 else ""
    return f"{first} {surname}{suffix}"


def _is_person(name: str) -> bool:
    return not any(b.format(s="", f="").split()[0] in name for b in BUSINESSES)


def _relative(name: str, rng: random.Random) -> str:
    """Someone of the family: another first name, the same surname."""
    first = _name(FIRST_NAMES_FR if rng.random() < 0.7 else FIRST_NAMES_EN, rng)
    return f"{first} {name.removesuffix(' Jr').split()[-1]}"


def _bill(rng: random.Random) -> Decimal:
    if rng.random() < FLAT_SHARE:
        return rng.choices(FLAT_BILLS, weights=(5, 3, 2))[0]
    return Decimal(rng.randint(3_500, 65_000)) * CENTS


def _open_amounts(rng: random.Random) -> tuple[Decimal, ...]:
    roll = rng.random()
    if roll < 0.7:
        return (_bill(rng),)
    if roll < 0.85:
        return (_bill(rng), _bill(rng))  # in arrears
    if roll < 0.87:
        return (_bill(rng), _bill(rng), _bill(rng))
    return ()  # paid up


# --- the file -------------------------------------------------------------------------------------


def remittance_file(town: Town, lines: int = 10_000, seed: int = 6) -> Remittance:
    """A bank's file of ``lines`` payments to the town (CSV with a BOM and CRLF, extra columns,
    the required ones in the bank's own order) and the truth of each line."""
    rng = random.Random(seed)
    accounts = sorted(town.accounts.values(), key=lambda a: a.account_id)
    by_number = {a.account_number: a for a in accounts}
    active = [a for a in accounts if a.active]
    billed = [a for a in active if a.open_amounts]
    moved_on = [a for a in accounts if not a.active and a.successor_ids]
    final_billed = [a for a in moved_on if a.balance > 0]
    issued = max(int(a.account_number[2:-1]) for a in accounts)
    kinds, weights = zip(*LINE_KINDS, strict=True)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Trace Number", "Date", "Payer Name", "Reference", "Amount", "Currency"])
    truth: dict[int, str | None] = {}
    line_kinds: dict[int, str] = {}
    for index in range(lines):
        kind = rng.choices(kinds, weights)[0]
        meant: TownAccount | None
        if kind == "exact":
            meant = rng.choice(active)
            reference = _formatted(meant.account_number, rng)
        elif kind in ("swapped", "mistyped"):
            meant = rng.choice(active)
            typo = _swapped if kind == "swapped" else _mistyped
            reference = _formatted(typo(meant.account_number, rng), rng)
        elif kind == "previous":
            closed = rng.choice(moved_on)
            meant = town.accounts[rng.choice(closed.successor_ids)]
            reference = _formatted(closed.account_number, rng)
        elif kind == "final-bill":
            meant = rng.choice(final_billed)
            reference = _formatted(meant.account_number, rng)
        elif kind == "wrong-number":
            meant = rng.choice(active)
            other = _another_valid_number(meant.account_number, by_number, rng)
            reference = _formatted(other, rng)
        elif kind == "no-number":
            meant = rng.choice(billed)
            reference = rng.choice(WORDS_FOR_A_BILL)
        else:
            meant = None
            reference = _strangers_reference(issued, rng)
        line_no = index + 2
        truth[line_no] = meant.account_id if meant else None
        line_kinds[line_no] = kind
        payer = _payer(meant, rng, careful=kind == "no-number")
        amount = _amount(meant, rng, careful=kind == "no-number")
        paid_on = FIRST_DAY + timedelta(days=rng.randrange(20))
        writer.writerow(
            [
                f"T{seed:03d}{index:07d}",
                paid_on.isoformat().replace("-", "/" if rng.random() < 0.1 else "-"),
                payer,
                reference,
                f"{amount:,}" if amount >= 1000 and rng.random() < 0.5 else str(amount),
                "CAD",
            ]
        )
    return Remittance("\ufeff" + out.getvalue(), truth, line_kinds)


def _formatted(number: str, rng: random.Random) -> str:
    """A number as people type it into their bank."""
    prefix, body, check = number[:2], number[2:-1], number[-1]
    roll = rng.random()
    if roll < 0.3:
        return number
    if roll < 0.55:
        return f"{prefix}-{body}-{check}"
    if roll < 0.65:
        return f"{prefix}-{body}-{check}".lower()
    if roll < 0.75:
        return f" {prefix} {body} {check} "
    if roll < 0.87:
        return body + check  # no prefix
    if roll < 0.93:
        return f"{body}-{check}"
    return f"{prefix.lower()}{body[:3]} {body[3:]}{check}"


def _swapped(number: str, rng: random.Random) -> str:
    digits = number[2:]
    places = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1]]
    i = rng.choice(places)
    return number[:2] + digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]


def _mistyped(number: str, rng: random.Random) -> str:
    digits = number[2:]
    # Mostly where the significant digits are: the payer copies those, not the zeros.
    i = rng.randrange(len(digits) - 5, len(digits)) if rng.random() < 0.7 else rng.randrange(8)
    typed = int(digits[i])
    neighbours = [d for d in (typed - 1, typed + 1) if 0 <= d <= 9]
    others = [d for d in range(10) if d != typed]
    digit = rng.choice(neighbours if rng.random() < 0.5 else others)
    return number[:2] + digits[:i] + str(digit) + digits[i + 1 :]


def _another_valid_number(
    number: str, by_number: Mapping[str, TownAccount], rng: random.Random
) -> str:
    """Another account's number typed for ``number``: its ``09``/``90`` twin when it has one,
    else two of its last digits wrong in a way the check digit passes."""
    twins = [n for n, _ in SCHEME.one_typo_away(number) if n in by_number]
    if twins and rng.random() < 0.5:
        return rng.choice(twins)
    digits = number[len(SCHEME.prefix) :]
    while True:
        typed = list(digits)
        for place in rng.sample(range(len(digits) - 6, len(digits)), 2):
            typed[place] = rng.choice("0123456789")
        other = SCHEME.prefix + "".join(typed)
        if other != number and other in by_number:
            return other


def _strangers_reference(issued: int, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:  # one of ours by its shape, never issued
        return SCHEME.number_for(rng.randrange(issued + 1, issued + 50_000))
    if roll < 0.7:  # another biller's account
        return f"{rng.randrange(1000, 9999)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}"
    return f"UB{rng.randrange(10**6):07d}{rng.randrange(10)}"  # made up


def _payer(account: TownAccount | None, rng: random.Random, careful: bool) -> str:
    """Who the bank says paid: mostly the holder, written the bank's way. ``careful`` payers
    (paying without the number) write their name in full."""
    if account is None:
        return _holder(rng)
    name = account.holder_names[0]
    words = name.removesuffix(" Jr").split()
    person = _is_person(name)
    roll = rng.random()
    if not careful and roll < 0.03:
        return _holder(rng)  # a tenant, a relative with another name, a company
    if not careful and person and roll < 0.08:
        return _relative(name, rng)
    roll = rng.random()
    if roll < 0.3:
        return name
    if roll < 0.5:
        return name.upper()
    if roll < 0.7:
        return fold(name).upper()
    if roll < 0.8 and len(words) == 2:
        return f"{words[1]}, {words[0]}"
    if roll < 0.88:
        return f"{rng.choice(TITLES)} {name}"
    if not careful and person and len(words) == 2:
        return f"{words[0][0]}. {words[1]}".upper()
    return name


def _amount(account: TownAccount | None, rng: random.Random, careful: bool) -> Decimal:
    roll = rng.random()
    if account is not None and account.open_amounts and (careful or roll < 0.75):
        if len(account.open_amounts) > 1 and rng.random() < 0.4:
            return account.balance
        return rng.choice(account.open_amounts)
    if roll < 0.9:
        return rng.choice(ROUND_SUMS)
    return Decimal(rng.randint(1_000, 80_000)) * CENTS


# --- scoring --------------------------------------------------------------------------------------


def score(
    matches: Sequence[LineMatch],
    truth: Mapping[int, str | None],
    kinds: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """How the matcher did: certain matches (and how many went to the wrong account, or to an
    account for a payment meant for none), the share of the matchable lines (those meant for
    an account) posted automatically, exceptions by reason and, given each line's kind, the
    lines, certain matches and wrong matches of each kind."""
    auto = [m for m in matches if m.certain]
    wrong = [m for m in auto if truth[m.line.line_no] != m.account_id]
    matchable = [m for m in matches if truth[m.line.line_no] is not None]
    result: dict[str, Any] = {
        "lines": len(matches),
        "matchable": len(matchable),
        "auto_matched": len(auto),
        "auto_match_rate": round(sum(m.certain for m in matchable) / len(matchable), 4),
        "wrong_matches": len(wrong),
        "exceptions": len(matches) - len(auto),
        "by_reason": dict(Counter(m.reason.value for m in matches).most_common()),
    }
    if kinds is not None:
        result["by_kind"] = {
            kind: {
                "lines": sum(kinds[m.line.line_no] == kind for m in matches),
                "auto_matched": sum(kinds[m.line.line_no] == kind for m in auto),
                "wrong_matches": sum(kinds[m.line.line_no] == kind for m in wrong),
            }
            for kind, _ in LINE_KINDS
        }
    return result
