"""The locked graph's derived flags, shortest paths and the transitive view, on small graphs."""

from __future__ import annotations

from pathlib import Path

from lock_testkit import FIXTURES

from egress.sources.npm_lock import parse_lockfile
from egress.sources.npm_lockgraph import ROOT, GraphBuilder, LockedPackage, LockGraph, shortest_path, transitive_view


def _pkg(name: str, version: str = "1.0.0") -> LockedPackage:
    return LockedPackage(name, version, None, None, False, False, f"{name}@{version}", "registry")


def _graph(edges: dict[str, list[tuple[str, str]]], *, derive: bool = True) -> LockGraph:
    """``edges``: node -> [(target, kind)], node ids are ``name@1.0.0`` (``""`` is the project)."""
    builder = GraphBuilder(Path("lock"), "test", "app")
    for node in {n for n in edges if n} | {t for ts in edges.values() for t, _ in ts}:
        name, version = node.split("@")
        builder.add(_pkg(name, version))
    for source, targets in edges.items():
        for target, kind in targets:
            builder.edge(source, target, kind)   # type: ignore[arg-type]
    return builder.build(derive_flags=derive)


EXPRESS = {
    ROOT: [("express@1.0.0", "prod"), ("left-pad@1.0.0", "prod"), ("jest@1.0.0", "dev")],
    "express@1.0.0": [("body-parser@1.0.0", "prod"), ("debug@1.0.0", "prod")],
    "body-parser@1.0.0": [("raw-body@1.0.0", "prod"), ("debug@1.0.0", "prod")],
    "raw-body@1.0.0": [("http-client@1.0.0", "prod")],
    "jest@1.0.0": [("http-client@1.0.0", "prod"), ("jsdom@1.0.0", "optional")],
    "jsdom@1.0.0": [("ws@1.0.0", "prod")],
}


def test_transitive_view_lists_network_packages_under_each_direct_dependency() -> None:
    graph = _graph(EXPRESS)
    view = transitive_view(graph, {"http-client@1.0.0", "ws@1.0.0", "express@1.0.0"})
    assert view == {
        "express": [("express@1.0.0", ["app", "express"]),
                    ("http-client@1.0.0", ["app", "express", "body-parser", "raw-body", "http-client"])],
        "jest": [("http-client@1.0.0", ["app", "jest", "http-client"]),
                 ("ws@1.0.0", ["app", "jest", "jsdom", "ws"])],
        "left-pad": [],
    }


def test_transitive_view_matches_bare_names_and_ignores_unknown_ones() -> None:
    graph = _graph(EXPRESS)
    view = transitive_view(graph, {"debug", "not-in-the-lock"})
    assert view == {"express": [("debug@1.0.0", ["app", "express", "debug"])], "jest": [], "left-pad": []}


def test_transitive_view_on_a_cycle_terminates() -> None:
    graph = _graph({ROOT: [("a@1.0.0", "prod")], "a@1.0.0": [("b@1.0.0", "prod")], "b@1.0.0": [("a@1.0.0", "prod")]})
    assert transitive_view(graph, {"a@1.0.0", "b@1.0.0"}) == {
        "a": [("a@1.0.0", ["app", "a"]), ("b@1.0.0", ["app", "a", "b"])]}


def test_derived_dev_and_optional_flags() -> None:
    graph = _graph(EXPRESS)
    flags = {p.label: (p.dev, p.optional) for p in graph.packages.values()}
    assert flags == {
        "express@1.0.0": (False, False), "left-pad@1.0.0": (False, False), "body-parser@1.0.0": (False, False),
        "debug@1.0.0": (False, False), "raw-body@1.0.0": (False, False),
        "http-client@1.0.0": (False, False),         # also reached from production code
        "jest@1.0.0": (True, False), "jsdom@1.0.0": (True, True), "ws@1.0.0": (True, True),
    }


def test_an_unreached_package_is_never_dev_and_an_orphan_becomes_direct() -> None:
    graph = _graph({ROOT: [("a@1.0.0", "dev")], "lonely@1.0.0": [], "x@1.0.0": [("y@1.0.0", "prod")],
                    "y@1.0.0": [("x@1.0.0", "prod")]})
    assert graph.packages["a@1.0.0"].dev
    assert not graph.packages["lonely@1.0.0"].dev and "lonely@1.0.0" in graph.direct
    assert (graph.packages["x@1.0.0"].dev, graph.packages["y@1.0.0"].dev) == (False, False)   # unreached cycle
    assert shortest_path(graph, "x@1.0.0") is None


def test_shortest_path_prefers_the_fewest_hops() -> None:
    graph = _graph(EXPRESS)
    assert shortest_path(graph, "debug@1.0.0") == ["app", "express", "debug"]
    assert shortest_path(graph, "http-client@1.0.0") == ["app", "jest", "http-client"]


def test_transitive_view_on_a_generated_lockfile() -> None:
    graph = parse_lockfile(FIXTURES / "npm-v3" / "package-lock.json")
    assert transitive_view(graph, {"socks@2.8.3", "jsbn@1.1.0"}) == {
        "debug": [], "ms": [], "statuses": [],
        "socks": [("socks@2.8.3", ["lock-fixture-app", "socks"]),
                  ("jsbn@1.1.0", ["lock-fixture-app", "socks", "ip-address", "jsbn"])],
    }
