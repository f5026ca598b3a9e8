"""Constant folding of module names (fold.py), on expressions parsed by tree-sitter."""

from __future__ import annotations

import pytest
import tree_sitter
import tree_sitter_javascript

from egress.analyzers.javascript.fold import Budget, describe, fold, fold_detail

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


# -- decoders and the steps they record -------------------------------------------
_ZLIB_NET = __import__("base64").b64encode(__import__("zlib").compress(b"net")).decode()


@pytest.mark.parametrize("source, expected, how", [
    ("'sptth'.split('').reverse().join('')", "https", ["reversed"]),
    ("String.fromCharCode(104, 116, 116, 112, 115)", "https", ["char codes"]),
    ("String.fromCharCode(0x6e, 0x65, 0x74)", "net", ["char codes"]),
    ("String.fromCharCode.apply(null, [110, 101, 116])", "net", ["char codes"]),
    ("String.fromCharCode(...[110, 101, 116])", "net", ["char codes"]),
    ("Buffer.from('bmV0', 'base64').toString()", "net", ["decoded base64"]),
    ("Buffer.from('bmV0', 'base64').toString('utf8')", "net", ["decoded base64"]),
    ("new Buffer('bmV0', 'base64').toString()", "net", ["decoded base64"]),
    ("Buffer.from('6e6574', 'hex').toString()", "net", ["decoded hex"]),
    ("Buffer.from([110, 101, 116]).toString()", "net", ["char codes"]),
    ("atob('aHR0cHM=')", "https", ["decoded base64"]),
    ("atob('aHR0cHM')", "https", ["decoded base64"]),            # missing padding, as Node accepts
    (f"zlib.inflateSync(Buffer.from('{_ZLIB_NET}', 'base64')).toString()", "net",
     ["decoded base64", "decoded zlib"]),
    ("decodeURIComponent('%68ttps')", "https", ["decoded URI escapes"]),
    ("'hxxps'.replace(/x/g, 't')", "https", []),
    ("'hxxps'.replace('x', 't')", "htxps", []),
    ("'hxxps'.replaceAll('x', 't')", "https", []),
    ("'xxhttps'.slice(2)", "https", []),
    ("'httpsxx'.slice(0, -2)", "https", []),
    ("'__net__'.substring(5, 2)", "net", []),
    ("'__net'.substr(-3)", "net", []),
    ("'HTTPS'.toLowerCase()", "https", []),
    ("' net '.trim()", "net", []),
    ("'xnet'.charAt(1) + 'et'", "net", []),
    ("'https'[0] + 'ttp'", "http", []),
    ("['n', 'e'].concat(['t']).join('')", "net", []),
    ("`${'ht'}${'tp'}`", "http", []),
])
def test_decoders(source: str, expected: str, how: list[str]) -> None:
    folded = fold_detail(_expression(source))
    assert (folded.value, folded.how, folded.exceeded) == (expected, how, False)


@pytest.mark.parametrize("source", [
    "'a'.replace(/a+/, 'b')", "'a'.replace('a', '$&')", "Buffer.from(x, 'base64').toString()",
    "atob(x)", "String.fromCharCode(x)", "zlib.inflateSync(Buffer.from('bm90IHpsaWI=', 'base64')).toString()",
    "'abc'.split(/b/)", "'abc'.slice(x)", "Buffer.from('bmV0', enc).toString()",
])
def test_decoders_leave_non_constants(source: str) -> None:
    assert fold(_expression(source)) is None


def test_constant_objects_and_arrays_through_the_lookup() -> None:
    tree = _PARSER.parse(b"const m = {a: 'ht', 'b': 'tps'}; const p = ['net', 'http']; (m.a + m['b'] + p[1]);")
    decls = {d.named_children[0].child_by_field_name("name").text: d.named_children[0].child_by_field_name("value")
             for d in tree.root_node.named_children[:2]}
    expr = tree.root_node.named_children[2].named_children[0].named_children[0]
    assert fold(expr, lambda ident: decls.get(ident.text)) == "httpshttp"


def test_exceeding_the_budget_is_reported_not_silent() -> None:
    deep = fold_detail(_expression(" + ".join(["'a'"] * 40)))
    assert (deep.value, deep.exceeded) == (None, True)
    wide = fold_detail(_expression("[" + ", ".join(["'a'"] * 50) + "].join('')"), budget=Budget(max_nodes=20))
    assert (wide.value, wide.exceeded) == (None, True)
    assert fold_detail(_expression("name")).exceeded is False


def test_decompression_stops_at_the_length_budget() -> None:
    import base64
    import zlib

    bomb = base64.b64encode(zlib.compress(b"A" * 5000)).decode()
    source = f"zlib.inflateSync(Buffer.from('{bomb}', 'base64')).toString()"
    assert fold_detail(_expression(source)).exceeded is True
    assert fold(_expression(source), budget=Budget(max_length=10_000)) == "A" * 5000


@pytest.mark.parametrize("source, note", [
    ("'https'", ""),
    ("'ht' + 'tps'", "folded: 'ht' + 'tps' → https"),
    ("atob('aHR0cHM=')", "decoded base64 → https"),
    (f"zlib.inflateSync(Buffer.from('{_ZLIB_NET}', 'base64')).toString()", "decoded base64, decoded zlib → net"),
])
def test_describe_names_the_fold(source: str, note: str) -> None:
    node = _expression(source)
    assert describe(node, fold_detail(node), source) == note
