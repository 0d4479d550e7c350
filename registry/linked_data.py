"""The catalogue as CPSV-AP 3.2.0 linked data, derived from the YAML files people edit.

Every resource has a stable URI under a base set by configuration (REGISTRY_BASE_URI); texts
keep their three languages as language-tagged literals. What CPSV-AP has no property for and
the catalogue needs (the shortest processing time, a life event's steps in order) is said with
terms of the project's own vocabulary, under {base}vocab#. registry/cpsv_import.py reads the
same graph back into catalogue files: export, import and export again give the same graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, RDF, RDFS, SKOS, TIME, XSD

from common.languages import LANGUAGES

from .catalogue import Catalogue
from .config import PACKAGE_DIR

CV = Namespace("http://data.europa.eu/m8g/")
CPSV = Namespace("http://purl.org/vocab/cpsv#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GEOSPARQL = Namespace("http://www.opengis.net/ont/geosparql#")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_LICENCE = Namespace("http://publications.europa.eu/resource/authority/licence/")
PREFIXES = {
    "cpsv": CPSV,
    "cv": CV,
    "dcat": DCAT,
    "dct": DCTERMS,
    "foaf": FOAF,
    "locn": LOCN,
    "org": ORG,
    "skos": SKOS,
    "time": TIME,
    "xsd": XSD,
}
# The official files (CC BY 4.0, SEMIC): the JSON-LD context the documents use, and the SHACL
# shapes the tests validate against.
STANDARD_DIR = PACKAGE_DIR / "standards" / "cpsv-ap-3.2.0"
SHAPES_FILE = STANDARD_DIR / "cpsv-ap-SHACL.ttl"
CONTEXT_FILE = STANDARD_DIR / "cpsv-ap.jsonld"

TURTLE = "text/turtle"
JSON_LD = "application/ld+json"
MEDIA_TYPES = {TURTLE: "turtle", JSON_LD: "json-ld"}

WEEKDAYS = {
    "mon": TIME.Monday,
    "tue": TIME.Tuesday,
    "wed": TIME.Wednesday,
    "thu": TIME.Thursday,
    "fri": TIME.Friday,
    "sat": TIME.Saturday,
    "sun": TIME.Sunday,
}
CHANNEL_NAMES = {
    "in_person": {"en": "In person", "fr": "Sur place", "ar": "حضوريا"},
    "online": {"en": "Online", "fr": "En ligne", "ar": "عبر الإنترنت"},
    "postal": {"en": "By post", "fr": "Par courrier", "ar": "عبر البريد"},
}
DATASET_TEXTS = {
    "open_data": {
        "en": "{country}: open data",
        "fr": "{country} : données ouvertes",
        "ar": "{country}: بيانات مفتوحة",
    },
    "title": {
        "en": "Public services: {country}",
        "fr": "Services publics : {country}",
        "ar": "الخدمات العمومية: {country}",
    },
    "description": {
        "en": "Public services: {country}. What each is, who provides it, what to bring, what "
        "it costs, how long it takes and where to go. {notice}",
        "fr": "Tous les services publics : {country}. Ce qu'ils sont, qui les rend, les pièces "
        "à fournir, les frais, les délais et où aller. {notice}",
        "ar": "كل الخدمات العمومية: {country}. ما هي، ومن يقدمها، والوثائق المطلوبة، والرسوم، "
        "والآجال، وأين تُقدَّم. {notice}",
    },
}


class Uris:
    """The URI of every resource of the catalogue, under one base."""

    def __init__(self, base: str) -> None:
        self.base = base if base.endswith("/") else base + "/"
        self.vocab = Namespace(self.base + "vocab#")

    def __call__(self, *parts: str | int) -> URIRef:
        return URIRef(self.base + "/".join(str(part) for part in parts))

    def service(self, sid: str) -> URIRef:
        return self("services", sid)

    def agency(self, aid: str) -> URIRef:
        return self("organisations", aid)

    def office(self, oid: str) -> URIRef:
        return self("offices", oid)

    def life_event(self, eid: str) -> URIRef:
        return self("life-events", eid)

    def dataset(self) -> URIRef:
        return self("dataset")


def texts(value: dict[str, str]) -> Iterable[Literal]:
    """A text in the three languages, as language-tagged literals."""
    return (Literal(value[lang], lang=lang) for lang in LANGUAGES if value.get(lang))


def add_texts(graph: Graph, subject: URIRef, predicate: URIRef, value: dict[str, str]) -> None:
    for literal in texts(value):
        graph.add((subject, predicate, literal))


def add_keywords(graph: Graph, subject: URIRef, keywords: dict[str, list[str]]) -> None:
    """Search words, each tagged with its language (dcat:keyword)."""
    for lang, words in keywords.items():
        for word in words:
            graph.add((subject, DCAT.keyword, Literal(word, lang=lang)))


def add_identified(graph: Graph, subject: URIRef, kind: URIRef, identifier: str) -> None:
    graph.add((subject, RDF.type, kind))
    graph.add((subject, DCTERMS.identifier, Literal(identifier)))


def concept(graph: Graph, subject: URIRef, names: dict[str, str], notation: str) -> URIRef:
    graph.add((subject, RDF.type, SKOS.Concept))
    graph.add((subject, SKOS.notation, Literal(notation)))
    add_texts(graph, subject, SKOS.prefLabel, names)
    return subject


def instant(graph: Graph, hhmm: str, day: URIRef | None = None) -> BNode:
    """A time:Instant at hh:mm (of a day of the week, if given)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    description, moment = BNode(), BNode()
    graph.add((description, RDF.type, TIME.DateTimeDescription))
    if day is not None:
        graph.add((description, TIME.dayOfWeek, day))
    graph.add((description, TIME.hour, Literal(hour, datatype=XSD.nonNegativeInteger)))
    graph.add((description, TIME.minute, Literal(minute, datatype=XSD.nonNegativeInteger)))
    graph.add((description, TIME.unitType, TIME.unitMinute))
    graph.add((moment, RDF.type, TIME.Instant))
    graph.add((moment, TIME.inDateTime, description))
    return moment


def catalogue_graph(catalogue: Catalogue, base: str) -> Graph:
    """The whole catalogue: services, organisations, offices, life events and the dataset."""
    uris = Uris(base)
    graph = new_graph(uris)
    country = add_country(graph, catalogue, uris)
    for aid, agency in catalogue.agencies.items():
        add_agency(graph, uris, aid, agency, country)
    for sid, service in catalogue.services.items():
        add_service(graph, uris, catalogue, sid, service, country)
    for oid, office in catalogue.offices.items():
        add_office(graph, uris, oid, office)
    for eid, event in catalogue.life_events.items():
        add_life_event(graph, uris, eid, event)
    add_dataset(graph, uris, catalogue)
    for sid in catalogue.services:
        graph.add((uris.dataset(), DCTERMS.hasPart, uris.service(sid)))
    return graph


def service_graph(whole: Graph, base: str, service_id: str) -> Graph:
    """One service of the catalogue's graph (catalogue_graph) and what describes it (its
    channels, costs, evidence, steps...), with the organisation, offices, life events and
    concepts it links to, named."""
    uris = Uris(base)
    graph = new_graph(uris)
    service = uris.service(service_id)
    own = f"{service}/"

    def copy(node: Any) -> None:
        for predicate, value in whole.predicate_objects(node):
            if (node, predicate, value) in graph:
                continue
            graph.add((node, predicate, value))
            if isinstance(value, BNode) or str(value).startswith(own):
                copy(value)

    copy(service)
    # What it links to: named and typed, with the links their own shapes require.
    required_links = (DCTERMS.spatial, CV.hasCompetentAuthority, DCTERMS.publisher)
    pending = [value for value in set(graph.objects()) if isinstance(value, URIRef)]
    described = {service}
    while pending:
        node = pending.pop()
        if node in described or str(node).startswith(own):
            continue
        described.add(node)
        for predicate, value in whole.predicate_objects(node):
            if isinstance(value, Literal) or predicate == RDF.type:
                graph.add((node, predicate, value))
            elif predicate in required_links:
                graph.add((node, predicate, value))
                pending.append(value)
    return graph


def new_graph(uris: Uris) -> Graph:
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    graph.bind("csa", uris.vocab)
    return graph


def add_country(graph: Graph, catalogue: Catalogue, uris: Uris) -> URIRef:
    country = uris("locations", catalogue.country["identifier"])
    graph.add((country, RDF.type, DCTERMS.Location))
    add_texts(graph, country, SKOS.prefLabel, catalogue.country["name"])
    currency = catalogue.country["currency"]
    concept(graph, uris("currencies", currency["code"]), currency["name"], currency["code"])
    for kind, names in CHANNEL_NAMES.items():
        concept(graph, uris("channel-types", kind), names, kind)
    graph.add((EU_FREQUENCY.WEEKLY, RDF.type, SKOS.Concept))  # how often opening hours recur
    return country


def add_agency(graph: Graph, uris: Uris, aid: str, agency: dict[str, Any], country: URIRef) -> None:
    node = uris.agency(aid)
    add_identified(graph, node, CV.PublicOrganisation, aid)
    graph.add((node, RDF.type, ORG.Organization))
    add_texts(graph, node, SKOS.prefLabel, agency["name"])
    add_texts(graph, node, DCTERMS.description, agency["description"])
    graph.add((node, DCTERMS.spatial, country))
    if agency.get("homepage"):
        graph.add((node, FOAF.homepage, URIRef(agency["homepage"])))
    # The agency's phone line, and when it answers (said to citizens as written).
    phone, hours = uris("organisations", aid, "phone"), uris("organisations", aid, "phone-hours")
    graph.add((node, CV.contactPoint, phone))
    graph.add((phone, RDF.type, CV.ContactPoint))
    graph.add((phone, CV.telephone, Literal(agency["phone"])))
    graph.add((phone, CV.openingHours, hours))
    graph.add((hours, RDF.type, TIME.TemporalEntity))
    add_texts(graph, hours, DCTERMS.description, agency["phone_hours"])


def add_service(
    graph: Graph,
    uris: Uris,
    catalogue: Catalogue,
    sid: str,
    service: dict[str, Any],
    country: URIRef,
) -> None:
    node = uris.service(sid)
    agency = uris.agency(service["competent_authority"])
    add_identified(graph, node, CPSV.PublicService, sid)
    add_texts(graph, node, DCTERMS.title, service["title"])
    add_texts(graph, node, DCTERMS.description, service["description"])
    add_keywords(graph, node, service.get("keywords", {}))
    graph.add((node, CV.hasCompetentAuthority, agency))
    graph.add((node, DCTERMS.spatial, country))
    graph.add((node, DCTERMS.isPartOf, uris.dataset()))
    currency = uris("currencies", catalogue.country["currency"]["code"])
    for channel in service["channels"]:
        kind = channel["channel"]
        way, cost = uris("services", sid, "channels", kind), uris("services", sid, "costs", kind)
        graph.add((node, CV.hasChannel, way))
        add_identified(graph, way, CV.Channel, f"{sid}-channel-{kind}")
        graph.add((way, DCTERMS.type, uris("channel-types", kind)))
        add_texts(graph, way, DCTERMS.description, channel["description"])
        graph.add((way, CV.ownedBy, agency))
        if channel.get("url"):
            graph.add((way, CV.contactPage, URIRef(channel["url"])))
            graph.add((URIRef(channel["url"]), RDF.type, FOAF.Document))
        graph.add((node, CV.hasCost, cost))
        add_identified(graph, cost, CV.Cost, f"{sid}-cost-{kind}")
        amount = float(channel["cost"]["amount"])
        graph.add((cost, CV.hasValue, Literal(amount, datatype=XSD.double)))
        if channel["cost"]["currency"] == catalogue.country["currency"]["code"]:
            graph.add((cost, CV.currency, currency))
        else:  # a currency the catalogue does not describe: its code, as a concept
            code = channel["cost"]["currency"]
            graph.add((cost, CV.currency, concept(graph, uris("currencies", code), {}, code)))
        graph.add((cost, CV.ifAccessedThrough, way))
        graph.add((cost, CV.isDefinedBy, agency))
    for n, evidence in enumerate(service["required_evidence"], start=1):
        item = uris("services", sid, "evidence", n)
        graph.add((node, CPSV.hasInput, item))
        add_identified(graph, item, CV.Evidence, f"{sid}-evidence-{n}")
        add_texts(graph, item, DCTERMS.title, evidence)
    for n, condition in enumerate(service["eligibility"], start=1):
        item = uris("services", sid, "requirements", n)
        graph.add((node, CV.holdsRequirement, item))
        add_identified(graph, item, CV.Requirement, f"{sid}-requirement-{n}")
        add_texts(graph, item, DCTERMS.title, condition)
    output = uris("services", sid, "output")
    graph.add((node, CPSV.produces, output))
    add_identified(graph, output, CV.Output, f"{sid}-output")
    add_texts(graph, output, DCTERMS.title, service["output"])
    # How to apply, step by step: the procedure the service follows (cpsv:Rule), in order.
    for n, step in enumerate(service["how_to_apply"], start=1):
        rule = uris("services", sid, "steps", n)
        graph.add((node, CPSV.follows, rule))
        add_identified(graph, rule, CPSV.Rule, f"{sid}-step-{n}")
        add_texts(graph, rule, DCTERMS.title, step)
        add_texts(graph, rule, DCTERMS.description, step)
    timing = service["processing_time"]
    duration = Literal(f"P{timing['max_days']}D", datatype=XSD.duration)
    graph.add((node, CV.processingTime, duration))
    graph.add((node, uris.vocab.minProcessingDays, Literal(timing["min_days"])))
    add_texts(graph, node, uris.vocab.processingTimeDescription, timing["description"])
    for related in service.get("related_services", []):
        graph.add((node, CV.relatedService, uris.service(related)))


def add_office(graph: Graph, uris: Uris, oid: str, office: dict[str, Any]) -> None:
    """An office where citizens go: a contact point with an address, a place and its hours."""
    node = uris.office(oid)
    add_identified(graph, node, CV.ContactPoint, oid)
    add_texts(graph, node, RDFS.label, office["name"])
    graph.add((uris.agency(office["agency"]), CV.contactPoint, node))
    graph.add((node, CV.telephone, Literal(office["phone"])))
    address = uris("offices", oid, "address")
    graph.add((node, LOCN.address, address))
    graph.add((address, RDF.type, LOCN.Address))
    add_texts(graph, address, LOCN.fullAddress, office["address"])
    add_texts(graph, address, LOCN.postName, office["city"])
    place = uris("offices", oid, "location")
    graph.add((node, LOCN.location, place))
    graph.add((place, RDF.type, DCTERMS.Location))
    point = f"POINT({office['longitude']} {office['latitude']})"
    graph.add((place, LOCN.geometry, Literal(point, datatype=GEOSPARQL.wktLiteral)))
    for sid in office["services"]:  # the services delivered here
        graph.add((uris.service(sid), CV.contactPoint, node))
    for day, spans in office["opening_hours"].items():
        for n, span in enumerate(spans, start=1):
            hours = uris("offices", oid, "opening-hours", f"{day}-{n}")
            start, end = span.split("-")
            graph.add((node, CV.openingHours, hours))
            graph.add((hours, RDF.type, TIME.TemporalEntity))
            graph.add((hours, CV.frequency, EU_FREQUENCY.WEEKLY))
            graph.add((hours, TIME.hasBeginning, instant(graph, start, WEEKDAYS[day])))
            graph.add((hours, TIME.hasEnd, instant(graph, end)))


def add_life_event(graph: Graph, uris: Uris, eid: str, event: dict[str, Any]) -> None:
    node = uris.life_event(eid)
    add_identified(graph, node, CV.LifeEvent, eid)
    graph.add((node, RDF.type, CV.Event))
    add_texts(graph, node, DCTERMS.title, event["title"])
    add_texts(graph, node, DCTERMS.description, event["description"])
    add_keywords(graph, node, event.get("keywords", {}))
    steps = [uris.service(sid) for sid in event["services"]]
    for service in steps:
        graph.add((node, CV.hasRelatedService, service))
        graph.add((service, CV.isGroupedBy, node))
    # The services in the order a citizen goes through them (CPSV-AP links have no order).
    ordered = BNode()
    Collection(graph, ordered, steps)
    graph.add((node, uris.vocab.steps, ordered))


def add_dataset(graph: Graph, uris: Uris, catalogue: Catalogue) -> None:
    """The catalogue as a dataset (dcat:Dataset, the class CPSV-AP's shapes describe), and
    who publishes it."""
    dataset, publisher = uris.dataset(), uris("publisher")
    country = catalogue.country
    add_identified(graph, dataset, DCAT.Dataset, f"{country['identifier']}-public-services")
    for field in ("title", "description"):
        wording = DATASET_TEXTS[field]
        for lang in LANGUAGES:
            said = wording[lang].format(
                country=country["name"][lang], notice=country["notice"][lang]
            )
            graph.add((dataset, DCTERMS[field], Literal(said, lang=lang)))
    graph.add((dataset, DCTERMS.publisher, publisher))
    add_identified(graph, publisher, FOAF.Agent, country["identifier"])
    add_texts(graph, publisher, DCTERMS.title, country["name"])


def dcat_description(catalogue: Catalogue, base: str, modified: date) -> Graph:
    """DCAT-AP: the catalogue as an open dataset, with its publisher, licence, distributions
    (JSON-LD and Turtle) and how often it changes."""
    uris = Uris(base)
    graph = new_graph(uris)
    add_dataset(graph, uris, catalogue)
    catalog, dataset = uris("catalog"), uris.dataset()
    graph.add((catalog, RDF.type, DCAT.Catalog))
    name = catalogue.country["name"]
    titles = {
        lang: DATASET_TEXTS["open_data"][lang].format(country=name[lang]) for lang in LANGUAGES
    }
    add_texts(graph, catalog, DCTERMS.title, titles)
    graph.add((catalog, DCTERMS.publisher, uris("publisher")))
    graph.add((catalog, DCAT.dataset, dataset))
    graph.add((dataset, DCTERMS.license, EU_LICENCE.CC_BY_4_0))
    graph.add((dataset, DCTERMS.accrualPeriodicity, EU_FREQUENCY.DAILY))
    graph.add((dataset, DCTERMS.modified, Literal(modified)))
    graph.add(
        (dataset, DCTERMS.conformsTo, URIRef("https://semiceu.github.io/CPSV-AP/releases/3.2.0/"))
    )
    for lang in LANGUAGES:
        graph.add((dataset, DCTERMS.language, URIRef(LANGUAGE_AUTHORITY[lang])))
    for suffix, media_type, file_type in (
        ("jsonld", JSON_LD, "JSON_LD"),
        ("ttl", TURTLE, "RDF_TURTLE"),
    ):
        distribution = uris("dataset", "distributions", suffix)
        graph.add((dataset, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCAT.accessURL, uris(f"v1/catalogue.{suffix}")))
        graph.add((distribution, DCAT.downloadURL, uris(f"v1/catalogue.{suffix}")))
        graph.add(
            (
                distribution,
                DCAT.mediaType,
                URIRef(f"https://www.iana.org/assignments/media-types/{media_type}"),
            )
        )
        graph.add((distribution, DCTERMS["format"], EU_FILE_TYPE[file_type]))
        graph.add((distribution, DCTERMS.license, EU_LICENCE.CC_BY_4_0))
    return graph


LANGUAGE_AUTHORITY = {
    "en": "http://publications.europa.eu/resource/authority/language/ENG",
    "fr": "http://publications.europa.eu/resource/authority/language/FRA",
    "ar": "http://publications.europa.eu/resource/authority/language/ARA",
}


@cache
def official_context() -> dict[str, Any]:
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def serialise(graph: Graph, media_type: str) -> str:
    """Turtle, or JSON-LD whose context is the official CPSV-AP context (inline, so that the
    document reads without the network) and the prefixes."""
    if media_type == TURTLE:
        return graph.serialize(format="turtle")
    prefixes = {prefix: str(namespace) for prefix, namespace in graph.namespaces() if prefix}
    document = json.loads(graph.serialize(format="json-ld", context=prefixes, auto_compact=True))
    document["@context"] = [official_context(), prefixes]
    return json.dumps(document, ensure_ascii=False, indent=1)
