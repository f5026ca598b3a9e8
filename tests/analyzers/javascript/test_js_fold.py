"""Constant folding of module names (fold.py), on expressions parsed by tree-sitter."""

from __future__ import annotations

import pytest
import tree_sitter
import tree_sitter_javascript

from egress.analyzers.javascript.fold import Budget, fold

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language()))


def _expression(source: str) -> tree_sitter.Node:
    tree = _PARSER.parse(f"({source});".encode())
    statement = tree.root_node.named_children[0]
    return statement.named_children[0].named_children[0]   # inside the parentheses


@pytest.mark.parametrize("source, expected", [
    ("'https'", "https"),
    ('"ht" + "tps"', "https"),
    ("`node:${'net'}`", "node:net"),
    ("`node:${'n' + `e${'t'}`}`", "node:net"),
    ("['h', 'ttps'].join('')", "https"),
    ("['dns', 'promises'].join('/')", "dns/promises"),
    ("['a', 'b'].join()", "a,b"),
    ("'ht'.concat('tp', 's')", "https"),
    ("'\\x68ttps'", "https"),
    ("'\\u{68}ttp'", "http"),
    ("('ht') + ('tp')", "http"),
    ("'v' + 2", "v2"),
])
def test_folds_constants(source: str, expected: str) -> None:
    assert fold(_expression(source)) == expected


@pytest.mark.parametrize("source", [
    "name", "'ht' + name", "`node:${name}`", "cond ? 'http' : 'https'", "'a' - 'b'",
    "[x, 'b'].join('')", "'a'.localeCompare('b')", "f()", "'v' + 1.5",
])
def test_leaves_non_constants(source: str) -> None:
    assert fold(_expression(source)) is None


def test_identifiers_fold_through_the_lookup() -> None:
    tree = _PARSER.parse(b"const a = 'ht'; (a + 'tps');")
    expr = tree.root_node.named_children[1].named_children[0].named_children[0]
    initializer = tree.root_node.named_children[0].named_children[0].child_by_field_name("value")
    assert fold(expr, lambda ident: initializer if ident.text == b"a" else None) == "https"
    assert fold(expr) is None


def test_budget_bounds_depth_and_length() -> None:
    deep = _expression(" + ".join(["'a'"] * 40))
    assert fold(deep) is None
    assert fold(deep, budget=Budget(max_depth=64)) == "a" * 40
    assert fold(_expression("'" + "x" * 2000 + "'")) is None
