#!/usr/bin/env python3
"""Validation benchmark: nodes per second of the loader's validator and of pyshacl.

    .venv/bin/python benchmarks/validate.py --entities 150000 [--reference 2000] [--keep DIR]

Generates the synthetic data set (`museum-kg generate`), bulk-loads it into an Oxigraph
store, then validates every targeted node with `museum_kg.loader.validate.Validator` (the
shapes compiled into checks over the store) and, with `--reference N`, N of the same nodes
(spread over the set) with pyshacl (the `test` extra) as the loader ran it before: the
core constraints (it ran `sh:sparql` by Oxigraph), each node given with its own statements
and the types of what it points to, in batches of 1,000. Prints nodes/s of both and their
ratio. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib
from museum_kg.loader import generate
from museum_kg.loader.inference import Alignments
from museum_kg.loader.shacl_values import to_rdflib
from museum_kg.loader.validate import Validator

from museum_kg.settings import BASE_IRI

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def reference_rate(store: ox.Store, validator: Validator, focus: list[str]) -> float:
    """pyshacl's nodes/s on `focus`, each batch of 1,000 with the data its shapes read."""
    import pyshacl

    shapes = rdflib.Graph()  # the core constraints: the loader ran sh:sparql by Oxigraph
    for triple in validator.shapes:
        if triple[1] != rdflib.SH.sparql:
            shapes.add(triple)
    started = time.perf_counter()
    for start in range(0, len(focus), 1000):
        data = rdflib.Graph()
        objects = set()
        for iri in focus[start : start + 1000]:
            for q in store.quads_for_pattern(ox.NamedNode(iri), None, None, None):
                data.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
                if not isinstance(q.object, ox.Literal):
                    objects.add(q.object)
        for node in objects:
            for q in store.quads_for_pattern(node, RDF_TYPE, None, None):
                data.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        pyshacl.validate(data, shacl_graph=shapes, ont_graph=validator.ontology,
                         allow_warnings=True)  # fmt: skip
    return len(focus) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=150_000, help="synthetic entities")
    parser.add_argument("--reference", type=int, default=0, help="nodes to give pyshacl")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="museum-kg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        data = work / f"synthetic-{args.entities}.nt"
        if not data.exists():
            generate(data, args.entities, seed=0)
        store = ox.Store(str(work / f"store-{args.entities}"))
        if not len(store):
            store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.NamedNode(BASE_IRI + "graph/synthetic"))  # fmt: skip
        alignments = Alignments.of(store, BASE_IRI + "ontology")
        started = time.perf_counter()
        validator = Validator(store, BASE_IRI, alignments.classes)
        focus = validator.targets()
        prepared = time.perf_counter() - started
        started = time.perf_counter()
        results = validator.results(focus)
        ours = len(focus) / (time.perf_counter() - started)
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        print(f"{len(focus):,} targeted nodes ({prepared:.1f} s to compile and find them), "
              f"{len(results)} result(s)")  # fmt: skip
        print(f"compiled checks: {ours:>10,.0f} nodes/s")
        if args.reference:
            sample = focus[:: max(1, len(focus) // args.reference)][: args.reference]
            peer = reference_rate(store, validator, sample)
            print(f"pyshacl (core):  {peer:>10,.0f} nodes/s ({len(sample):,} nodes)")
            print(f"ratio: {ours / peer:,.0f}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
