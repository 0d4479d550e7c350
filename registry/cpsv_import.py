"""Read a CPSV-AP description (Turtle or JSON-LD: another agency's export, the specification's
example, or this registry's own) and write catalogue files the registry can serve.

    python -m registry.cpsv_import SOURCE --out DIR [--base registry/catalogue_data]

What the source lacks and the catalogue needs (a text in one of the three languages, a cost, a
processing time) is filled as the report says, so that the files load; the report lists every
such gap and everything that could not be mapped. The country (currency, time zone) and the
application statuses are not CPSV-AP: they are copied from --base. registry/linked_data.py
writes what this reads: export, import and export again give the same graph.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, TIME

from common.languages import LANGUAGES

from .catalogue import Catalogue, CatalogueError
from .config import CATALOGUE_DIR
from .linked_data import CPSV, CV, LOCN, WEEKDAYS, official_context
from .schema import CHANNEL_KINDS

DAY_OF = {uri: day for day, uri in WEEKDAYS.items()}
# What the import reads of a public service; anything else is reported as not mapped.
SERVICE_PROPERTIES = frozenset(
    {
        RDF.type,
        DCTERMS.identifier,
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.spatial,
        DCTERMS.isPartOf,
        DCAT.keyword,
        CV.hasCompetentAuthority,
        CV.hasChannel,
        CV.hasCost,
        CPSV.hasInput,
        CV.holdsRequirement,
        CPSV.produces,
        CPSV.follows,
        CV.processingTime,
        CV.relatedService,
        CV.isGroupedBy,
        CV.contactPoint,
    }
)
NOT_GIVEN = {"en": "Not given", "fr": "Non précisé", "ar": "غير محدد"}
DURATION_DAYS = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T.*)?$")
WKT_POINT = re.compile(r"POINT\s*\(\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\)", re.IGNORECASE)
OFFICIAL_CONTEXT_URL = re.compile(r"^https?://.*cpsv-ap\.jsonld$")


@dataclass
class Imported:
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    agencies: dict[str, dict[str, Any]] = field(default_factory=dict)
    offices: dict[str, dict[str, Any]] = field(default_factory=dict)
    life_events: dict[str, dict[str, Any]] = field(default_factory=dict)
    report: list[str] = field(default_factory=list)


def read_graph(source: Path) -> Graph:
    """Turtle, or JSON-LD; the official CPSV-AP context is read from the project's copy,
    not from the network."""
    text = source.read_text(encoding="utf-8")
    if source.suffix in (".jsonld", ".json"):
        document = json.loads(text)
        document["@context"] = local_context(document.get("@context"))
        return Graph().parse(data=json.dumps(document), format="json-ld")
    return Graph().parse(data=text, format="turtle")


def local_context(context: Any) -> Any:
    if isinstance(context, list):
        return [local_context(item) for item in context]
    if isinstance(context, str) and OFFICIAL_CONTEXT_URL.match(context):
        return official_context()
    return context


def local_name(uri: Any) -> str:
    return re.split(r"[/#]", str(uri).rstrip("/"))[-1]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "item"


def order_key(identifier: str) -> tuple[str, int]:
    """ "passport-evidence-10" after "passport-evidence-9"."""
    match = re.search(r"(\d+)$", identifier)
    return (
        identifier[: match.start()] if match else identifier,
        int(match.group()) if match else 0,
    )


class Reader:
    """Walks the graph; every gap it fills goes to the report."""

    def __init__(self, graph: Graph, report: list[str]) -> None:
        self.graph = graph
        self.report = report

    def identifier(self, node: Any) -> str:
        given = self.graph.value(node, DCTERMS.identifier)
        return slug(str(given) if given is not None else local_name(node))

    def ordered(self, nodes: Iterable[Any]) -> list[Any]:
        return sorted(set(nodes), key=lambda node: order_key(self.identifier(node)))

    def one(self, node: Any, predicate: URIRef) -> Any:
        return next(iter(sorted(self.graph.objects(node, predicate), key=str)), None)

    def vocab_term(self, node: Any, name: str) -> URIRef | None:
        """The node's property named name in a project vocabulary ({base}vocab#name), whatever
        the base."""
        return next(
            (p for p in self.graph.predicates(node) if str(p).endswith(f"vocab#{name}")), None
        )

    def vocab(self, node: Any, name: str) -> Any:
        term = self.vocab_term(node, name)
        return self.one(node, term) if term is not None else None

    def keywords(self, node: Any) -> dict[str, list[str]] | None:
        """Search words by language (dcat:keyword), or None when there are none."""
        found: dict[str, list[str]] = {}
        for word in sorted(self.graph.objects(node, DCAT.keyword), key=str):
            if isinstance(word, Literal) and (word.language or "")[:2] in LANGUAGES:
                found.setdefault(word.language[:2], []).append(str(word))
        return {lang: found.get(lang, []) for lang in LANGUAGES} if found else None

    def texts(
        self, node: Any, predicates: Iterable[URIRef], what: str, fallback: dict[str, str] | None
    ) -> dict[str, str] | None:
        """The text in each of the three languages; a missing one takes another's words."""
        found: dict[str, str] = {}
        others: list[str] = []
        for predicate in predicates:
            for value in sorted(self.graph.objects(node, predicate), key=str):
                if not isinstance(value, Literal) or not str(value).strip():
                    continue
                lang = (value.language or "").lower()[:2]
                if lang in LANGUAGES:
                    found.setdefault(lang, str(value).strip())
                else:
                    others.append(str(value).strip())
            if found or others:
                break
        if not found and not others:
            if fallback is not None:
                self.report.append(f"{what}: not given; written as {fallback['en']!r}")
            return fallback
        missing = [lang for lang in LANGUAGES if lang not in found]
        if missing:
            source = next(
                (found[lang] for lang in LANGUAGES if lang in found), others[0] if others else ""
            )
            self.report.append(f"{what}: no {', '.join(missing)} text; the {source!r} is used")
            found.update({lang: source for lang in missing})
        return {lang: found[lang] for lang in LANGUAGES}


def import_graph(graph: Graph, base: Catalogue) -> Imported:
    result = Imported()
    read = Reader(graph, result.report)
    currency = base.country["currency"]["code"]
    for node in read.ordered(graph.subjects(RDF.type, CV.PublicOrganisation)):
        result.agencies[read.identifier(node)] = agency(read, node)
    for node in read.ordered(graph.subjects(RDF.type, CPSV.PublicService)):
        sid = read.identifier(node)
        authority = read.one(node, CV.hasCompetentAuthority)
        if authority is None:
            result.report.append(f"service {sid}: no competent authority; not imported")
            continue
        if read.identifier(authority) not in result.agencies:
            result.agencies[read.identifier(authority)] = agency(read, authority)
        found = service(read, node, sid, currency)
        if found is not None:
            result.services[sid] = found
            report_unmapped(read, node, f"service {sid}", SERVICE_PROPERTIES)
    for sid, node in service_nodes(read, result).items():
        related = [read.identifier(r) for r in read.ordered(graph.objects(node, CV.relatedService))]
        result.services[sid]["related_services"] = [r for r in related if r in result.services]
    for node in read.ordered(graph.subjects(RDF.type, CV.ContactPoint)):
        if read.one(node, LOCN.address) is not None:
            found = office(read, node, result)
            if found is not None:
                result.offices[found["identifier"]] = found
        elif not owned_by_organisation(graph, node):
            result.report.append(
                f"contact point {local_name(node)}: no address (not an office); not mapped"
            )
    events = set(graph.subjects(RDF.type, CV.LifeEvent)) | set(graph.subjects(RDF.type, CV.Event))
    for node in read.ordered(events):
        found = life_event(read, node, result)
        if found is not None:
            result.life_events[found["identifier"]] = found
    return result


def owned_by_organisation(graph: Graph, contact_point: Any) -> bool:
    """An organisation's own line (its phone), which the import reads with the organisation."""
    return any(
        (owner, RDF.type, CV.PublicOrganisation) in graph
        for owner in graph.subjects(CV.contactPoint, contact_point)
    )


def report_unmapped(read: Reader, node: Any, what: str, mapped: frozenset[URIRef]) -> None:
    for predicate in sorted(set(read.graph.predicates(node)) - mapped, key=str):
        if "vocab#" not in str(predicate):
            name = read.graph.namespace_manager.normalizeUri(predicate)
            read.report.append(f"{what}: {name} not mapped")


def service_nodes(read: Reader, result: Imported) -> dict[str, Any]:
    nodes = read.graph.subjects(RDF.type, CPSV.PublicService)
    return {
        read.identifier(node): node for node in nodes if read.identifier(node) in result.services
    }


def agency(read: Reader, node: Any) -> dict[str, Any]:
    aid = read.identifier(node)
    name = read.texts(
        node,
        (SKOS.prefLabel, DCTERMS.title, FOAF.name),
        f"organisation {aid} name",
        {lang: aid for lang in LANGUAGES},
    )
    found: dict[str, Any] = {
        "identifier": aid,
        "name": name,
        "description": read.texts(
            node, (DCTERMS.description,), f"organisation {aid} description", name
        ),
    }
    homepage = read.one(node, FOAF.homepage)
    if homepage is not None:
        found["homepage"] = str(homepage)
    phone_line = next(
        (
            cp
            for cp in sorted(read.graph.objects(node, CV.contactPoint), key=str)
            if read.one(cp, LOCN.address) is None
        ),
        None,
    )
    telephone = read.one(phone_line, CV.telephone) if phone_line is not None else None
    if telephone is None:
        read.report.append(f"organisation {aid}: no telephone; written as empty")
    found["phone"] = str(telephone or "")
    hours = read.one(phone_line, CV.openingHours) if phone_line is not None else None
    found["phone_hours"] = (
        read.texts(hours, (DCTERMS.description,), f"organisation {aid} phone hours", NOT_GIVEN)
        if hours is not None
        else dict(NOT_GIVEN)
    )
    return found


def service(read: Reader, node: Any, sid: str, currency: str) -> dict[str, Any] | None:
    graph, where = read.graph, f"service {sid}"
    title = read.texts(node, (DCTERMS.title,), f"{where} title", None)
    if title is None:
        read.report.append(f"{where}: no title; not imported")
        return None
    found: dict[str, Any] = {
        "identifier": sid,
        "title": title,
        "description": read.texts(node, (DCTERMS.description,), f"{where} description", title),
        "competent_authority": read.identifier(read.one(node, CV.hasCompetentAuthority)),
    }
    keywords = read.keywords(node)
    if keywords:
        found["keywords"] = keywords
    costs = list(graph.objects(node, CV.hasCost))
    found["channels"] = [
        channel(read, way, sid, costs, currency, found["description"])
        for way in read.ordered(graph.objects(node, CV.hasChannel))
    ]
    if not found["channels"]:
        read.report.append(f"{where}: no channel; written as one in-person channel")
        found["channels"] = [
            {
                "channel": "in_person",
                "cost": cost_of(read, costs, None, sid, currency),
                "description": found["description"],
            }
        ]
    found["required_evidence"] = [
        read.texts(item, (DCTERMS.title, DCTERMS.description), f"{where} evidence", NOT_GIVEN)
        for item in read.ordered(graph.objects(node, CPSV.hasInput))
    ]
    found["eligibility"] = [
        read.texts(item, (DCTERMS.title, DCTERMS.description), f"{where} requirement", NOT_GIVEN)
        for item in read.ordered(graph.objects(node, CV.holdsRequirement))
    ]
    output = read.one(node, CPSV.produces)
    found["output"] = (
        read.texts(output, (DCTERMS.title, DCTERMS.description), f"{where} output", title)
        if output is not None
        else title
    )
    if output is None:
        read.report.append(f"{where}: no output; the service's title is used")
    steps = [
        read.texts(rule, (DCTERMS.title, DCTERMS.description), f"{where} step", NOT_GIVEN)
        for rule in read.ordered(graph.objects(node, CPSV.follows))
    ]
    if not steps:
        read.report.append(f"{where}: no steps to apply; the channels' descriptions are used")
        steps = [way["description"] for way in found["channels"]]
    found["how_to_apply"] = steps
    found["processing_time"] = processing_time(read, node, where)
    return found


def channel(
    read: Reader, way: Any, sid: str, costs: list[Any], currency: str, fallback: dict[str, str]
) -> dict[str, Any]:
    kind_node = read.one(way, DCTERMS.type)
    kind = (
        str(read.one(kind_node, SKOS.notation) or local_name(kind_node))
        if kind_node is not None
        else ""
    )
    if kind not in CHANNEL_KINDS:
        page = read.one(way, CV.contactPage)
        guessed = "online" if page is not None else "in_person"
        read.report.append(
            f"service {sid}: channel type {kind or 'not given'!r} is not one of "
            f"{', '.join(CHANNEL_KINDS)}; written as {guessed}"
        )
        kind = guessed
    found: dict[str, Any] = {
        "channel": kind,
        "cost": cost_of(read, costs, way, sid, currency),
        "description": read.texts(
            way, (DCTERMS.description, DCTERMS.title), f"service {sid} channel {kind}", fallback
        ),
    }
    page = read.one(way, CV.contactPage)
    if page is not None and str(page).startswith("https://"):
        found["url"] = str(page)
    return found


def cost_of(read: Reader, costs: list[Any], way: Any, sid: str, currency: str) -> dict[str, Any]:
    """The cost through this channel, else the service's only cost; 0 (reported) if none."""
    through = (
        [c for c in costs if read.one(c, CV.ifAccessedThrough) == way] if way is not None else []
    )
    general = [c for c in costs if read.one(c, CV.ifAccessedThrough) is None]
    chosen = (through or general or [None])[0]
    value = read.one(chosen, CV.hasValue) if chosen is not None else None
    if value is None:
        read.report.append(f"service {sid}: no cost given; written as 0: check before serving")
        return {"amount": 0.0, "currency": currency}
    unit = read.one(chosen, CV.currency)
    code = (
        str(read.one(unit, SKOS.notation) or local_name(unit)).upper()
        if unit is not None
        else currency
    )
    return {"amount": float(value), "currency": code}


def processing_time(read: Reader, node: Any, where: str) -> dict[str, Any]:
    duration = read.one(node, CV.processingTime)
    match = DURATION_DAYS.match(str(duration)) if duration is not None else None
    if match is None:
        read.report.append(f"{where}: no processing time in days; written as 0")
        days = 0
    else:
        days = int(match.group(1) or 0) * 7 + int(match.group(2) or 0)
    least = read.vocab(node, "minProcessingDays")
    said_by = read.vocab_term(node, "processingTimeDescription")
    said = read.texts(node, (said_by,), f"{where} processing time", None) if said_by else None
    if said is None:
        read.report.append(f"{where}: no processing time in words; written from the duration")
        said = {"en": f"up to {days} days", "fr": f"jusqu'à {days} jours", "ar": f"حتى {days} يوم"}
    return {
        "min_days": min(int(least), days) if least is not None else days,
        "max_days": days,
        "description": said,
    }


def office(read: Reader, node: Any, result: Imported) -> dict[str, Any] | None:
    graph, oid = read.graph, read.identifier(node)
    where = f"office {oid}"
    # Organisations and services both name their offices with cv:contactPoint.
    linked = read.ordered(graph.subjects(CV.contactPoint, node))
    owners = [
        read.identifier(a)
        for a in linked
        if (a, RDF.type, CV.PublicOrganisation) in graph and read.identifier(a) in result.agencies
    ]
    served = [
        read.identifier(s)
        for s in linked
        if (s, RDF.type, CPSV.PublicService) in graph and read.identifier(s) in result.services
    ]
    if not owners:
        owners = [result.services[sid]["competent_authority"] for sid in served]
    if not owners:
        read.report.append(f"{where}: no organisation; not imported")
        return None
    address = read.one(node, LOCN.address)
    point = None
    for place in graph.objects(node, LOCN.location):
        point = WKT_POINT.search(str(read.one(place, LOCN.geometry) or "")) or point
    if point is None:
        read.report.append(f"{where}: no location (WKT point); not imported")
        return None
    name = read.texts(
        node,
        (RDFS.label, DCTERMS.title, SKOS.prefLabel),
        f"{where} name",
        {lang: oid for lang in LANGUAGES},
    )
    hours: dict[str, list[tuple[str, str]]] = {day: [] for day in WEEKDAYS}
    for period in graph.objects(node, CV.openingHours):
        span = opening_span(read, period)
        if span is None:
            read.report.append(
                f"{where}: opening hours {local_name(period)} without a day and times; not mapped"
            )
        else:
            hours[span[0]].append(span[1:])
    return {
        "identifier": oid,
        "name": name,
        "agency": owners[0],
        "city": read.texts(address, (LOCN.postName, LOCN.adminUnitL2), f"{where} city", NOT_GIVEN),
        "address": read.texts(address, (LOCN.fullAddress,), f"{where} address", NOT_GIVEN),
        "latitude": float(point.group(2)),
        "longitude": float(point.group(1)),
        "phone": str(read.one(node, CV.telephone) or ""),
        "opening_hours": {
            day: [f"{a}-{b}" for a, b in sorted(spans)] for day, spans in hours.items()
        },
        "services": sorted(served),
    }


def opening_span(read: Reader, period: Any) -> tuple[str, str, str] | None:
    """(day, "08:00", "13:00") from time:hasBeginning/time:hasEnd descriptions."""

    def moment(edge: URIRef) -> tuple[Any, str] | None:
        instant = read.one(period, edge)
        described = read.one(instant, TIME.inDateTime) if instant is not None else None
        hour = read.one(described, TIME.hour) if described is not None else None
        if hour is None:
            return None
        minute = read.one(described, TIME.minute) or 0
        return read.one(described, TIME.dayOfWeek), f"{int(hour):02d}:{int(minute):02d}"

    start, end = moment(TIME.hasBeginning), moment(TIME.hasEnd)
    if start is None or end is None or start[0] not in DAY_OF:
        return None
    return DAY_OF[start[0]], start[1], end[1]


def life_event(read: Reader, node: Any, result: Imported) -> dict[str, Any] | None:
    graph, eid = read.graph, read.identifier(node)
    where = f"life event {eid}"
    title = read.texts(node, (DCTERMS.title, SKOS.prefLabel), f"{where} title", None)
    steps = read.vocab(node, "steps")
    if steps is not None:
        services = [read.identifier(s) for s in Collection(graph, steps)]
    else:
        linked = set(graph.objects(node, CV.hasRelatedService)) | set(
            graph.subjects(CV.isGroupedBy, node)
        )
        services = [read.identifier(s) for s in read.ordered(linked)]
    services = [sid for sid in services if sid in result.services]
    if title is None or not services:
        read.report.append(f"{where}: no title or no imported service; not imported")
        return None
    found: dict[str, Any] = {
        "identifier": eid,
        "title": title,
        "description": read.texts(node, (DCTERMS.description,), f"{where} description", title),
    }
    keywords = read.keywords(node)
    if keywords:
        found["keywords"] = keywords
    found["services"] = services
    return found


def write_catalogue(imported: Imported, base_dir: Path, out: Path) -> None:
    """The catalogue files, in the layout the registry reads (REGISTRY_CATALOGUE_DIR)."""
    (out / "services").mkdir(parents=True, exist_ok=True)

    def dump(path: Path, data: Any) -> None:
        path.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
        )

    for sid, found in imported.services.items():
        dump(out / "services" / f"{sid}.yml", found)
    dump(out / "agencies.yml", list(imported.agencies.values()))
    dump(out / "offices.yml", list(imported.offices.values()))
    dump(out / "life_events.yml", list(imported.life_events.values()))
    dump(out / "applications.yml", [])
    for name in ("country.yml", "statuses.yml"):
        shutil.copyfile(base_dir / name, out / name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="a CPSV-AP description: .ttl, .jsonld or .json")
    parser.add_argument("--out", type=Path, required=True, help="the catalogue directory to write")
    parser.add_argument(
        "--base", type=Path, default=CATALOGUE_DIR, help="where the country and statuses come from"
    )
    args = parser.parse_args(argv)
    try:
        graph = read_graph(args.source)
        base = Catalogue.load(args.base)
    except (OSError, ValueError, CatalogueError) as exc:
        print(f"cannot read {args.source}: {exc}", file=sys.stderr)
        return 2
    imported = import_graph(graph, base)
    write_catalogue(imported, args.base, args.out)
    counts = {
        k: len(getattr(imported, k)) for k in ("services", "agencies", "offices", "life_events")
    }
    print(
        f"wrote {args.out}: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
    )
    for line in imported.report:
        print(f"  - {line}")
    try:
        Catalogue.load(args.out)
    except CatalogueError as exc:
        print(f"the files do not load: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
