"""The catalogue as CPSV-AP 3.2.0 linked data: valid against the official SHACL shapes, every
resource in its three languages, served by content negotiation, and read back by the import
(export, import, export again gives the same graph; the specification's example imports)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, SKOS

from registry import cpsv_import, linked_data
from registry.catalogue import Catalogue
from registry.config import CATALOGUE_DIR, Settings
from registry.linked_data import CPSV, CV, JSON_LD, TURTLE, Uris
from registry.validation import preferred_media_type

BASE = Settings.base_uri
EXAMPLES = linked_data.STANDARD_DIR  # the official files, with the specification's example
SPEC_EXAMPLES = ["example-rdf_public_service.ttl", "example-rdf_public_service.jsonld"]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load(CATALOGUE_DIR)


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(linked_data.SHAPES_FILE)


def violations(graph: Graph, shapes: Graph) -> str:
    """ "" when the graph conforms to the shapes, else pyshacl's report of the violations."""
    conforms, _, report = validate(graph, shacl_graph=shapes, inference="none")
    return "" if conforms else report


def test_the_catalogue_passes_the_official_shapes(catalogue: Catalogue, shapes: Graph) -> None:
    assert violations(linked_data.catalogue_graph(catalogue, BASE), shapes) == ""


def test_one_service_and_the_dcat_description_pass_the_official_shapes(
    catalogue: Catalogue, shapes: Graph
) -> None:
    whole = linked_data.catalogue_graph(catalogue, BASE)
    for sid in catalogue.services:
        assert violations(linked_data.service_graph(whole, BASE, sid), shapes) == "", sid
    dcat = linked_data.dcat_description(catalogue, BASE, date(2026, 12, 8))
    assert violations(dcat, shapes) == ""


def test_every_resource_of_the_yaml_is_in_the_graph_in_three_languages(
    catalogue: Catalogue,
) -> None:
    graph = linked_data.catalogue_graph(catalogue, BASE)
    uris = Uris(BASE)

    def languages(node: URIRef, predicate: URIRef) -> set[str]:
        return {o.language for o in graph.objects(node, predicate) if isinstance(o, Literal)}

    everything = {"en", "fr", "ar"}
    for sid, service in catalogue.services.items():
        node = uris.service(sid)
        assert (node, RDF.type, CPSV.PublicService) in graph
        assert languages(node, DCTERMS.title) == everything, sid
        assert (node, DCTERMS.title, Literal(service["title"]["ar"], lang="ar")) in graph
        assert (
            node,
            CV.hasCompetentAuthority,
            uris.agency(service["competent_authority"]),
        ) in graph
        assert len(list(graph.objects(node, CV.hasCost))) == len(service["channels"])
        assert len(list(graph.objects(node, CPSV.hasInput))) == len(service["required_evidence"])
    for aid in catalogue.agencies:
        node = uris.agency(aid)
        assert (node, RDF.type, CV.PublicOrganisation) in graph
        assert languages(node, SKOS.prefLabel) == everything, aid
    for oid in catalogue.offices:
        node = uris.office(oid)
        assert (node, RDF.type, CV.ContactPoint) in graph
        assert languages(node, RDFS.label) == everything, oid
        assert list(graph.objects(node, CV.openingHours)), oid
    for eid, event in catalogue.life_events.items():
        node = uris.life_event(eid)
        assert (node, RDF.type, CV.LifeEvent) in graph
        assert languages(node, DCTERMS.title) == everything, eid
        linked = set(graph.objects(node, CV.hasRelatedService))
        assert linked == {uris.service(sid) for sid in event["services"]}


def test_export_import_export_gives_the_same_graph(catalogue: Catalogue, tmp_path: Path) -> None:
    exported = linked_data.catalogue_graph(catalogue, BASE)
    imported = cpsv_import.import_graph(exported, catalogue)
    assert imported.report == []  # nothing was missing, nothing left unmapped
    cpsv_import.write_catalogue(imported, CATALOGUE_DIR, tmp_path)
    again = linked_data.catalogue_graph(Catalogue.load(tmp_path), BASE)
    if not isomorphic(exported, again):
        _, only_first, only_second = graph_diff(to_isomorphic(exported), to_isomorphic(again))
        pytest.fail(f"lost: {sorted(only_first)[:5]}; gained: {sorted(only_second)[:5]}")
    # The life events keep their steps in order (RDF links alone have no order).
    reread = Catalogue.load(tmp_path)
    for eid, event in catalogue.life_events.items():
        assert reread.life_events[eid]["services"] == event["services"]


@pytest.mark.parametrize("example", SPEC_EXAMPLES)
def test_the_specifications_example_imports_and_exports_valid(
    example: str, catalogue: Catalogue, shapes: Graph, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    status = cpsv_import.main([str(EXAMPLES / example), "--out", str(tmp_path)])
    said = capsys.readouterr().out
    assert status == 0, said
    imported = Catalogue.load(tmp_path)
    assert list(imported.services) == ["tax-on-web"]
    service = imported.services["tax-on-web"]
    assert service["title"]["en"] == "Tax-on-web"
    assert service["required_evidence"][0]["fr"] == "Attestation garde d'enfants"
    # What the example lacks is said, not hidden.
    assert "no cost given" in said and "cv:hasInputType not mapped" in said
    assert "contactPoint1: no address" in said
    assert violations(linked_data.catalogue_graph(imported, BASE), shapes) == ""


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("", JSON_LD),
        ("*/*", JSON_LD),
        ("text/turtle", TURTLE),
        ("application/ld+json;q=0.5, text/turtle;q=0.9", TURTLE),
        ("text/*", TURTLE),
        ("text/turtle;q=0, application/*", JSON_LD),
        ("application/ld+json;q=0, */*", TURTLE),
        ("text/*;q=0.2, text/turtle", TURTLE),
        ("text/html", None),
        ("application/json", None),
    ],
)
def test_the_preferred_media_type_follows_the_accept_header(
    accept: str, expected: str | None
) -> None:
    assert preferred_media_type(accept, (JSON_LD, TURTLE)) == expected


async def test_the_catalogue_is_served_by_content_negotiation_and_explicit_paths(
    registry_client: TestClient,
) -> None:
    turtle = await registry_client.get("/v1/catalogue", headers={"Accept": "text/turtle"})
    assert turtle.status == 200 and turtle.content_type == TURTLE
    assert "Accept" in turtle.headers["Vary"]
    graph = Graph().parse(data=await turtle.text(), format="turtle")
    jsonld = await registry_client.get("/v1/catalogue.jsonld")
    assert jsonld.content_type == JSON_LD
    document = json.loads(await jsonld.text())
    # The official CPSV-AP context, inline, so that the document reads without the network.
    assert document["@context"][0] == linked_data.official_context()
    assert isomorphic(graph, Graph().parse(data=json.dumps(document), format="json-ld"))
    explicit = await registry_client.get("/v1/catalogue.ttl")
    assert explicit.content_type == TURTLE
    assert isomorphic(graph, Graph().parse(data=await explicit.text(), format="turtle"))
    refused = await registry_client.get("/v1/catalogue", headers={"Accept": "text/csv"})
    assert refused.status == 406
    assert "text/turtle" in (await refused.json())["error"]["message"]
    assert (await registry_client.get("/v1/catalogue.csv")).status == 404


async def test_one_service_as_linked_data_or_json(registry_client: TestClient) -> None:
    passport = URIRef(f"{BASE}services/passport")
    rdf = await registry_client.get("/v1/services/passport", headers={"Accept": JSON_LD})
    assert rdf.status == 200 and rdf.content_type == JSON_LD
    graph = Graph().parse(data=await rdf.text(), format="json-ld")
    assert (passport, RDF.type, CPSV.PublicService) in graph
    assert {t.language for t in graph.objects(passport, DCTERMS.title)} == {"en", "fr", "ar"}
    plain = await registry_client.get("/v1/services/passport", headers={"Accept": "*/*"})
    assert plain.content_type == "application/json"
    assert (await plain.json())["identifier"] == "passport"
    refused = await registry_client.get("/v1/services/passport", headers={"Accept": "text/csv"})
    assert refused.status == 406


async def test_the_open_dataset_is_described_with_dcat_ap(registry_client: TestClient) -> None:
    response = await registry_client.get("/.well-known/dcat-ap", headers={"Accept": TURTLE})
    assert response.status == 200 and response.content_type == TURTLE
    graph = Graph().parse(data=await response.text(), format="turtle")
    dataset = URIRef(f"{BASE}dataset")
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert (dataset, DCTERMS.license, None) in graph
    assert (dataset, DCTERMS.accrualPeriodicity, None) in graph
    assert (dataset, DCTERMS.publisher, None) in graph
    formats = {
        str(graph.value(d, DCAT.mediaType)) for d in graph.objects(dataset, DCAT.distribution)
    }
    assert {f.rsplit("/", 2)[-2] + "/" + f.rsplit("/", 1)[-1] for f in formats} == {
        JSON_LD,
        TURTLE,
    }
