"""Check a catalogue before serving it: python -m registry.check [catalogue directory]

Loads it as the registry does (every file against its schema, every reference between files),
then says what a citizen would miss: a service that no office handles (no office to send
them to, no appointment to book), a service or life event without keywords in a language
(the recogniser learns its names from them), an agency without offices, a service dearer
online than at the counter (everywhere else online costs the same or less: likely a typo).
Exits 1 on an error, 0 otherwise (warnings are printed).
"""

from __future__ import annotations

import sys
from pathlib import Path

from common.languages import LANGUAGES

from .catalogue import Catalogue, CatalogueError
from .config import CATALOGUE_DIR


def warnings_of(catalogue: Catalogue) -> list[str]:
    found = []
    handled = {sid for office in catalogue.offices.values() for sid in office["services"]}
    for sid, service in sorted(catalogue.services.items()):
        if sid not in handled:
            found.append(f"service {sid}: no office handles it (offices.yml, `services:`)")
        for lang in LANGUAGES:
            if not service.get("keywords", {}).get(lang):
                found.append(f"service {sid}: no {lang} keywords (the recogniser learns them)")
        cost = {ch["channel"]: float(ch["cost"]["amount"]) for ch in service["channels"]}
        if cost.get("online", 0) > cost.get("in_person", float("inf")):
            found.append(f"service {sid}: dearer online than in person (channels: cost)")
    for eid, event in sorted(catalogue.life_events.items()):
        for lang in LANGUAGES:
            if not event.get("keywords", {}).get(lang):
                found.append(f"life event {eid}: no {lang} keywords")
    with_offices = {office["agency"] for office in catalogue.offices.values()}
    for aid in sorted(set(catalogue.agencies) - with_offices):
        found.append(f"agency {aid}: no office")
    return found


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else CATALOGUE_DIR
    try:
        catalogue = Catalogue.load(directory)
    except CatalogueError as exc:
        print(f"error: {exc}")
        sys.exit(1)
    found = warnings_of(catalogue)
    for warning in found:
        print(f"warning: {warning}")
    print(
        f"{directory}: {len(catalogue.services)} services, {len(catalogue.life_events)} life "
        f"events, {len(catalogue.offices)} offices, {len(catalogue.agencies)} agencies; "
        f"{len(found)} warnings"
    )


if __name__ == "__main__":
    main()
