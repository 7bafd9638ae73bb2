#!/usr/bin/env python3
"""Checks a hypomics GraphML export with standard parsers (networkx and ElementTree).

Usage: check_graphml.py FILE EXPECTED_NODES EXPECTED_EDGES

Exit status 0 and a one-line summary on success; non-zero with the reason otherwise. Called by
graph/tests/export.rs; needs `pip install networkx`.
"""

import sys
import xml.etree.ElementTree as ET

import networkx as nx

NS = "{http://graphml.graphdrawing.org/xmlns}"


def fail(message):
    print(f"check_graphml: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 4:
        fail(__doc__)
    path, want_nodes, want_edges = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

    # Every data element must use a declared key of the right domain.
    root = ET.parse(path).getroot()
    keys = {k.get("id"): k.get("for") for k in root.iter(NS + "key")}
    for k in root.iter(NS + "key"):
        if not k.get("attr.name") or k.get("attr.type") not in {
            "string", "double", "long", "int", "float", "boolean"
        }:
            fail(f"key {k.get('id')} lacks a name or a valid type")
    for domain in ("node", "edge"):
        for element in root.iter(NS + domain):
            for data in element.iter(NS + "data"):
                if keys.get(data.get("key")) != domain:
                    fail(f"{domain} {element.get('id')} uses undeclared key {data.get('key')}")

    g = nx.read_graphml(path)
    if not g.is_directed():
        fail("graph is not directed")
    if g.number_of_nodes() != want_nodes:
        fail(f"{g.number_of_nodes()} nodes, expected {want_nodes}")
    if g.number_of_edges() != want_edges:
        fail(f"{g.number_of_edges()} edges, expected {want_edges}")
    for node, attrs in g.nodes(data=True):
        if "type" not in attrs or "label" not in attrs:
            fail(f"node {node} lacks type or label: {attrs}")
        if attrs["type"] == "finding" and not isinstance(attrs.get("p"), float):
            fail(f"finding {node} has no numeric p: {attrs}")
    for source, target, attrs in g.edges(data=True):
        if "kind" not in attrs or "class" not in attrs:
            fail(f"edge {source}->{target} lacks kind or class: {attrs}")
    types = sorted({attrs["type"] for _, attrs in g.nodes(data=True)})
    print(
        f"ok: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges, "
        f"{len(keys)} keys, node types {types}, parsed as {type(g).__name__}"
    )


if __name__ == "__main__":
    main()
