"""The service catalogue (CPSV-AP shaped), loaded from the YAML files in catalogue/.

The files are the source of truth; they are re-read when they change on disk, so an edit
(a new fee, a new office) shows in the next answer without restarting anything.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz

from common.languages import LANGUAGES
from language.normalise import normalise as arabic_normalise

from . import schema

log = logging.getLogger(__name__)

# libyaml's loader when it is there (ten times faster; the catalogue is re-read on every edit).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NON_WORD = re.compile(r"[^\w]+")


class CatalogueError(ValueError):
    """The catalogue files are inconsistent; the message names the file and the problem."""


def normalise(text: str) -> str:
    """Fold case, accents, Arabic letter variants, digits and punctuation for matching."""
    text = unicodedata.normalize("NFKD", arabic_normalise(text.casefold()))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", text).strip()


def localise(value: Any, lang: str) -> Any:
    """Resolve every {en, fr, ar} mapping inside value to the text in lang (English if missing)."""
    if isinstance(value, dict):
        if value and set(value) <= set(LANGUAGES):
            return value.get(lang) or value.get("en")
        return {key: localise(item, lang) for key, item in value.items()}
    if isinstance(value, list):
        return [localise(item, lang) for item in value]
    return value


@dataclass
class Catalogue:
    country: dict[str, Any]
    agencies: dict[str, dict[str, Any]]
    services: dict[str, dict[str, Any]]
    life_events: dict[str, dict[str, Any]]
    offices: dict[str, dict[str, Any]]
    statuses: dict[str, dict[str, Any]]
    applications: list[dict[str, Any]]
    _service_terms: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _life_event_terms: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._check_references()
        self._service_terms = {sid: _search_terms(s) for sid, s in self.services.items()}
        self._life_event_terms = {eid: _search_terms(e) for eid, e in self.life_events.items()}

    @classmethod
    def load(cls, directory: Path) -> Catalogue:
        """Read and check every file; CatalogueError names the file, the field and the problem."""

        def read(name: str, check: Any, model: type[schema.BaseModel]) -> Any:
            path = directory / name
            try:
                data = yaml.load(path.read_bytes().decode("utf-8"), Loader=YAML_LOADER)
                check(model, data, str(path))
            except UnicodeDecodeError as exc:
                raise CatalogueError(
                    f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
                ) from None
            except ValueError as exc:  # the schema's message names the file already
                raise CatalogueError(str(exc)) from None
            except (OSError, yaml.YAMLError) as exc:
                raise CatalogueError(f"{path}: {exc}") from None
            return data

        def by_identifier(entries: list[dict[str, Any]], name: str) -> dict[str, Any]:
            found: dict[str, Any] = {}
            for entry in entries:
                if entry["identifier"] in found:
                    identifier = entry["identifier"]
                    raise CatalogueError(f"{directory / name}: {identifier!r} appears twice")
                found[entry["identifier"]] = entry
            return found

        services = {}
        for path in sorted((directory / "services").glob("*.yml")):
            service = read(f"services/{path.name}", schema.check, schema.Service)
            if service.get("identifier") != path.stem:
                raise CatalogueError(f"{path}: identifier must be {path.stem!r}")
            services[path.stem] = service
        return cls(
            country=read("country.yml", schema.check, schema.Country),
            agencies=by_identifier(
                read("agencies.yml", schema.check_list, schema.Agency), "agencies.yml"
            ),
            services=services,
            life_events=by_identifier(
                read("life_events.yml", schema.check_list, schema.LifeEvent), "life_events.yml"
            ),
            offices=by_identifier(
                read("offices.yml", schema.check_list, schema.Office), "offices.yml"
            ),
            statuses=read("statuses.yml", schema.check_mapping, schema.Status),
            applications=read("applications.yml", schema.check_list, schema.Application),
        )

    def _check_references(self) -> None:
        def expect(ids: list[str], known: dict[str, Any], where: str) -> None:
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise CatalogueError(f"{where} refers to unknown identifiers {unknown}")

        for sid, service in self.services.items():
            expect([service["competent_authority"]], self.agencies, f"service {sid}")
            expect(service.get("related_services", []), self.services, f"service {sid}")
        for eid, event in self.life_events.items():
            expect(event["services"], self.services, f"life event {eid}")
        for oid, office in self.offices.items():
            expect([office["agency"]], self.agencies, f"office {oid}")
            expect(office["services"], self.services, f"office {oid}")
        for app in self.applications:
            expect([app["service"]], self.services, f"application {app['reference']}")
            expect([app["office"]], self.offices, f"application {app['reference']}")
            expect([app["status"]], self.statuses, f"application {app['reference']}")

    # Localised views -------------------------------------------------------------------

    def service_summary(self, service_id: str, lang: str) -> dict[str, Any]:
        service = self.services[service_id]
        agency = self.agencies[service["competent_authority"]]
        return {
            "identifier": service_id,
            "title": localise(service["title"], lang),
            "description": localise(service["description"], lang),
            "competent_authority": {
                "identifier": agency["identifier"],
                "name": localise(agency["name"], lang),
            },
        }

    def service_detail(self, service_id: str, lang: str) -> dict[str, Any]:
        service = self.services[service_id]
        detail = self.service_summary(service_id, lang)
        for key in ("channels", "required_evidence", "eligibility", "output"):
            detail[key] = localise(service[key], lang)
        detail["processing_time"] = localise(service["processing_time"], lang)
        detail["how_to_apply"] = localise(service["how_to_apply"], lang)
        # The country's currency as answers say it: its name and the word after an amount.
        detail["currency"] = localise(self.country["currency"], lang)
        detail["related_services"] = [
            self.service_reference(rid, lang) for rid in service.get("related_services", [])
        ]
        detail["life_events"] = [
            {"identifier": eid, "title": localise(event["title"], lang)}
            for eid, event in self.life_events.items()
            if service_id in event["services"]
        ]
        return detail

    def service_reference(self, service_id: str, lang: str) -> dict[str, str]:
        return {
            "identifier": service_id,
            "title": localise(self.services[service_id]["title"], lang),
        }

    def life_event_detail(self, event_id: str, lang: str) -> dict[str, Any]:
        event = self.life_events[event_id]
        return {
            "identifier": event_id,
            "title": localise(event["title"], lang),
            "description": localise(event["description"], lang),
            "services": [
                {"step": step, **self.service_summary(sid, lang)}
                for step, sid in enumerate(event["services"], start=1)
            ],
        }

    def office_view(self, office_id: str, lang: str) -> dict[str, Any]:
        office = self.offices[office_id]
        view = localise({k: v for k, v in office.items() if k != "services"}, lang)
        view["agency"] = {
            "identifier": office["agency"],
            "name": localise(self.agencies[office["agency"]]["name"], lang),
        }
        view["services"] = [self.service_reference(sid, lang) for sid in office["services"]]
        return view

    # Search ----------------------------------------------------------------------------

    def place_named_in(self, text: str) -> tuple[dict[str, str], float, float] | None:
        """The city that free text names, in any language ("I live in Port Marsa", "à
        Port-Marsa", "في سيدي رامي"): its names and the centre of its offices."""
        words = f" {normalise(text)} "
        found: dict[str, list[dict[str, Any]]] = {}
        length: dict[str, int] = {}
        for office in self.offices.values():
            for name in office["city"].values():
                key = normalise(name)
                if key and f" {key} " in words:
                    city = normalise(office["city"]["en"])
                    found.setdefault(city, []).append(office)
                    length[city] = max(length.get(city, 0), len(key))
                    break
        if not found:
            return None
        offices = found[max(found, key=lambda city: length[city])]  # "Wadi City" over "Wadi"
        latitude = sum(o["latitude"] for o in offices) / len(offices)
        longitude = sum(o["longitude"] for o in offices) / len(offices)
        return offices[0]["city"], latitude, longitude

    def search_services(self, query: str) -> list[tuple[str, float]]:
        """Services whose names or synonyms match query, best first, with a 0-100 score."""
        return _rank(self._service_terms, query)

    def search_life_events(self, query: str) -> list[tuple[str, float]]:
        """Life events whose names or synonyms match query, best first, with a 0-100 score."""
        return _rank(self._life_event_terms, query)


MATCH_THRESHOLD = 80.0


def _search_terms(record: dict[str, Any]) -> list[str]:
    """A record's titles and keywords in every language, normalised once, at load."""
    names = [*record["title"].values()]
    for words in record.get("keywords", {}).values():
        names.extend(words)
    return sorted({normalise(name) for name in names if name})


def _rank(terms_by_id: dict[str, list[str]], query: str) -> list[tuple[str, float]]:
    text = normalise(query)
    if not text:
        return []
    scored = []
    for identifier, terms in terms_by_id.items():
        score = max(_match_score(text, term) for term in terms)
        if score >= MATCH_THRESHOLD:
            scored.append((identifier, round(score, 1)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored


def _match_score(query: str, term: str) -> float:
    """How well a catalogue term (a name or synonym) is contained in the citizen's words.

    A whole-query comparison handles short queries ("pasport"); a partial comparison finds a
    term inside a longer sentence, but only for terms long enough not to match by chance.
    """
    if not term:
        return 0.0
    score = fuzz.ratio(query, term)
    if len(term) >= 4 and len(query) > len(term):
        score = max(score, fuzz.partial_ratio(term, query) - 5)
    return score


class CatalogueSource:
    """Holds the catalogue and reloads it when a file in its directory changes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._signature = self._current_signature()
        self._rejected_signature: tuple[tuple[str, int, int], ...] = ()
        self.catalogue = Catalogue.load(directory)
        self.loaded_at = time.strftime("%H:%M:%S")

    def _current_signature(self) -> tuple[tuple[str, int, int], ...]:
        files = sorted(self.directory.rglob("*.yml"))
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)

    def modified(self) -> date:
        """When a file of the catalogue being served last changed."""
        newest = max((mtime for _, mtime, _ in self._signature), default=time.time_ns())
        return date.fromtimestamp(newest / 1e9)

    def get(self) -> Catalogue:
        signature = self._current_signature()
        if signature in (self._signature, self._rejected_signature):
            return self.catalogue
        try:
            self.catalogue = Catalogue.load(self.directory)
            self._signature = signature
            self.loaded_at = time.strftime("%H:%M:%S")
            log.info("catalogue reloaded: %d services", len(self.catalogue.services))
        except Exception as exc:
            # A broken edit must not take the registry down: keep serving the last good catalogue.
            self._rejected_signature = signature
            log.error(
                "catalogue edit rejected (%s); still serving the catalogue loaded at %s",
                exc if isinstance(exc, CatalogueError) else repr(exc),
                self.loaded_at,
            )
        return self.catalogue
