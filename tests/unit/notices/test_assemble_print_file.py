"""The daily print file (in-memory fakes, a renderer that counts pages): the day's letters in
parts with a manifest, each letter's delivery marked printed, a second run making no second file,
and a day too long for one run going on where it stopped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from civiq.accounts.domain.account_numbers import AccountNumberScheme
from civiq.accounts.domain.customers import ConsentChanges, ContactMethod
from civiq.core.letterhead import Letterhead
from civiq.notices.adapters.memory import (
    CountingBundleRenderer,
    InMemoryPrintFiles,
    InMemoryPrintFileStore,
)
from civiq.notices.domain.deliveries import DeliveryStatus, PrintPlace
from civiq.notices.domain.print_files import PrintFileStatus
from civiq.notices.services.assemble_print_file import TIME_RESERVE, AssemblePrintFile
from tests.helpers.deliveries import (
    CUTOFF,
    TORONTO,
    DeliveryWorld,
    customer_who_agreed,
    request_for,
)

DAY = date(2026, 11, 26)
PLENTY = timedelta(minutes=14)


def world_with_letters(count: int) -> DeliveryWorld:
    """``count`` customers who gave no consent, each sent one email: all by mail, on DAY."""
    world = DeliveryWorld()
    for n in range(count):
        customer = customer_who_agreed(
            ContactMethod.EMAIL, consents=ConsentChanges(), email=f"c{n}@example.ca"
        )
        account = world.open(customer, street=f"{10 + n} Rue Principale")
        world.sender()(
            request_for(account, ContactMethod.EMAIL, f"01JNOTIFICATION0000000000{n:02d}")
        )
    return world


def assembler(
    world: DeliveryWorld, part_size: int
) -> tuple[AssemblePrintFile, InMemoryPrintFiles, InMemoryPrintFileStore, CountingBundleRenderer]:
    files, store, renderer = (
        InMemoryPrintFiles(),
        InMemoryPrintFileStore(),
        CountingBundleRenderer(),
    )
    service = AssemblePrintFile(
        queue=world.deliveries,
        files=files,
        deliveries=world.deliveries,
        renderer=renderer,
        store=store,
        numbering=AccountNumberScheme(),
        letterhead=Letterhead("Ville de Pointe-aux-Érables"),
        clock=world.clock,
        time_zone=TORONTO,
        cutoff=CUTOFF,
        part_size=part_size,
    )
    return service, files, store, renderer


def test_the_days_letters_become_parts_and_a_manifest_and_each_letter_knows_its_pages() -> None:
    world = world_with_letters(5)
    assemble, files, store, renderer = assembler(world, part_size=2)

    assembly = assemble(DAY, lambda: PLENTY, "run-1")

    assert assembly.done and assembly.file is not None
    file = assembly.file
    assert file.status is PrintFileStatus.COMPLETE
    assert [(p.part, p.letters) for p in file.parts] == [(1, 2), (2, 2), (3, 1)]
    assert sorted(store.objects) == [f"print-files/2026-11-26/letters-00{n}.pdf" for n in (1, 2, 3)]
    assert set(store.texts) == set(file.manifest_keys)
    assert file.letters == 5 and file.pages == 15  # 3 paragraphs a letter: 3 pages each
    lines = [line for part in files.parts(DAY) for line in part.lines]
    assert [line.sequence for line in lines] == [1, 2, 3, 4, 5]
    assert [(line.part, line.first_page) for line in lines][:3] == [(1, 1), (1, 4), (2, 1)]
    # the letter template's context: the address for the window, the message's paragraphs
    first = renderer.bundles[0][0]
    assert first["recipient_address"] == ("10 Rue Principale", "Gatineau QC J8X 3G8")
    assert first["paragraphs"] == [
        ["Bonjour,"],
        ["Votre compteur tourne."],
        ["Ville de Pointe-aux-Érables"],
    ]
    for line in lines:
        delivery = world.deliveries.get(line.notification_id)
        assert delivery is not None and delivery.status is DeliveryStatus.PRINTED
        assert delivery.printed == PrintPlace(DAY, line.part, line.first_page, 3)
    printed = [
        e for e in world.stores.accounts.history.values() if e.action == "NotificationPrinted"
    ]
    assert len(printed) == 5
    assert [e.action for e in files.history] == ["PrintFileAssembled"]


def test_running_the_day_again_makes_no_second_file() -> None:
    world = world_with_letters(3)
    assemble, files, store, renderer = assembler(world, part_size=2)
    first = assemble(DAY, lambda: PLENTY, "run-1")
    objects = dict(store.objects)

    again = assemble(DAY, lambda: PLENTY, "retry-1")

    assert again.file == first.file
    assert store.objects == objects and len(renderer.bundles) == 2
    assert len(files.history) == 1


def test_a_day_too_long_for_one_run_goes_on_where_it_stopped() -> None:
    world = world_with_letters(3)
    assemble, files, store, renderer = assembler(world, part_size=1)
    short = TIME_RESERVE - timedelta(seconds=1)  # asked before each part after the first

    stopped = assemble(DAY, lambda: short, "run-1")

    assert not stopped.done
    assert stopped.file is not None and stopped.file.status is PrintFileStatus.ASSEMBLING
    assert [p.part for p in files.parts(DAY)] == [1]
    assert store.texts == {}  # no manifest before the file is complete

    done = assemble(DAY, lambda: PLENTY, "run-1")

    assert done.done and done.file is not None and done.file.letters == 3
    assert len(renderer.bundles) == 3  # each part rendered once
    assert [p.part for p in files.parts(DAY)] == [1, 2, 3]


def test_a_day_without_letters_has_no_file_and_the_run_names_its_day() -> None:
    world = world_with_letters(0)
    assemble, files, _, _ = assembler(world, part_size=10)

    assert assemble(DAY, lambda: PLENTY, "run-1").file is None
    assert files.listing(10, None).items == []
    assert assemble.day_for(datetime(2026, 11, 27, 22, 0, tzinfo=UTC)) == date(2026, 11, 27)
