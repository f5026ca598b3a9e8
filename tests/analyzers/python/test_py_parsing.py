"""Decoding, the two front ends, and files that cannot be analysed."""

from __future__ import annotations

import ast

import pytest

from egress.analyzers.python import PythonAnalyzer, from_ast, from_treesitter
from egress.analyzers.python.evaluate import Evaluator
from egress.analyzers.python.locate import Locator
from egress.analyzers.python.scopes import Builder
from egress.analyzers.python.walk import Walker
from egress.catalog import load_catalog
from egress.model import Ecosystem, FindingKind, SourceFile

from .conftest import FIXTURES, triples

N = FindingKind.NETWORK


def run(data: bytes, path: str = "m.py", **kwargs):
    return PythonAnalyzer(**kwargs).analyze(SourceFile(path, data))


def test_python2_fixture_really_goes_through_the_fallback():
    data = (FIXTURES / "python2" / "legacy.py").read_bytes()
    with pytest.raises(SyntaxError):
        ast.parse(data)
    assert run(data).error is None


def test_syntax_error_reports_findings_and_the_line(analyze):
    a = analyze("syntax_error/broken.py")
    assert a.error == "syntax error at line 5"
    assert triples(a) == {(N, "socket.create_connection", 3)}


def test_tree_sitter_time_limit_aborts_the_parse():
    # tree-sitter-python is quadratic on long comment runs: this takes seconds unbounded.
    data = b'print "x"\n' + b"# a comment line\n" * 20000 + b"import socket\nsocket.create_connection(('h', 1))\n"
    a = run(data, fallback_time_limit=0.05)
    assert a.error == "parse time limit (0.05 s) exceeded"
    assert a.findings == ()


def test_parser_is_usable_after_a_cancelled_parse():
    analyzer = PythonAnalyzer(fallback_time_limit=0.05)
    slow = b'print "x"\n' + b"# c\n" * 20000
    assert analyzer.analyze(SourceFile("a.py", slow)).error is not None
    small = analyzer.analyze(SourceFile("b.py", b'import urllib2\nprint "x"\nurllib2.urlopen("u")\n'))
    assert (small.error, triples(small)) == (None, {(N, "urllib2.urlopen", 3)})


def test_coding_cookie_is_honoured():
    data = "# -*- coding: latin-1 -*-\nimport socket\nx = 'café'; socket.create_connection(('h', 1))\n".encode("latin-1")
    a = run(data)
    assert a.error is None
    assert [(f.api, f.line, f.column) for f in a.findings] == [("socket.create_connection", 3, 13)]


def test_bom_is_honoured():
    a = run(b"\xef\xbb\xbfimport socket\nsocket.getaddrinfo('h', 1)\n")
    assert triples(a) == {(N, "socket.getaddrinfo", 2)}
    assert a.findings[0].trace[0].column == 1


@pytest.mark.parametrize("data, reason", [
    (b"import socket\nx = '\xff\xfe'\n", "cannot decode as utf-8"),
    (b"# coding: no-such-codec\nimport socket\n", "cannot decode"),
    (b"\xef\xbb\xbf# coding: latin-1\nimport socket\n", "cannot decode"),
])
def test_undecodable_files_are_not_analysed(data, reason):
    a = run(data)
    assert a.error is not None and a.error.startswith(reason)
    assert a.findings == ()


@pytest.mark.parametrize("data", [
    b"\x00\x01\x02 import socket\x00",
    b"(" * 5000 + b")" * 5000,
    b"x = " + b"-" * 200000 + b"1\n",
    b"",
    b"\n\n\r\n\r",
    b"import socket as\n",
    b"def f(\n",
])
def test_bad_input_never_raises(data):
    a = run(data)
    assert a.file == "m.py"
    assert a.error is None or isinstance(a.error, str)


def test_pth_only_import_lines_run():
    data = b"import socket; socket.create_connection(('h', 1))\nsocket.create_connection(('h', 2))\n"
    a = run(data, path="x.pth")
    assert triples(a) == {(N, "socket.create_connection", 1)}


def _program_findings(builder: Builder, text: str):
    catalog = load_catalog(Ecosystem.PYPI)
    loc = Locator("m.py", text.split("\n"))
    return {(f.kind, f.api, f.line, f.column, f.note, tuple(t.line for t in f.trace))
            for f in Walker(catalog, Evaluator(catalog, builder.program, loc), loc).run(builder.program)}


@pytest.mark.parametrize("fixture", [
    "socket_object/udp.py", "self_attribute/client.py", "asyncio_loop/aio.py", "dunder_import_literal/loader.py",
    "dynamic_import/plugins.py", "six_moves/compat.py", "shadowed/shadow.py", "constants_only/consts.py",
    "urllib_opener/opener.py", "ssl_wrap/tls.py", "servers/serve.py", "try_except_import/compat.py",
])
def test_both_front_ends_feed_the_same_analysis(fixture):
    text = (FIXTURES / fixture).read_text("utf-8")
    via_ast = Builder()
    from_ast.build(ast.parse(text), via_ast)
    via_ts = Builder()
    data = text.encode("utf-8")
    from_treesitter.build(from_treesitter.parse(data, 5.0), data, via_ts)
    assert _program_findings(via_ts, text) == _program_findings(via_ast, text)


def _facts(builder: Builder, text: str, path: str):
    from egress.analyzers.python import facts

    catalog = load_catalog(Ecosystem.PYPI)
    loc = Locator(path, text.split("\n"))
    ev = Evaluator(catalog, builder.program, loc)
    walker = Walker(catalog, ev, loc)
    findings = walker.run(builder.program)
    return findings, facts.collect(builder.program, walker.scoped, walker.calls, walker.uses, ev, loc, walker.own)


_INDIRECTION = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("ind_*/**/*.py"))


@pytest.mark.parametrize("fixture", _INDIRECTION)
def test_both_front_ends_agree_on_indirection_findings_and_facts(fixture):
    text = (FIXTURES / fixture).read_text("utf-8")
    via_ast = Builder()
    from_ast.build(ast.parse(text), via_ast)
    via_ts = Builder()
    data = text.encode("utf-8")
    from_treesitter.build(from_treesitter.parse(data, 5.0), data, via_ts)
    path = fixture.split("/", 1)[1]
    ts, ours = _facts(via_ts, text, path), _facts(via_ast, text, path)
    assert ts == ours
    assert ours[0] or ours[1][0] or ours[1][1] or fixture.startswith("ind_negative")


def test_indirection_fixtures_are_all_compared():
    assert len(_INDIRECTION) == 28


def test_tree_sitter_reads_numbers_fstrings_slices_and_dicts_like_ast():
    text = ("import socket\nD = {'k': 'soc' + 'ket'}\n__import__(D['k']).getaddrinfo('h', 0x1F)\n"
            "__import__(f\"{'soc'}ket\"[:]).gethostbyname('h')\n__import__('xtekcos'[-1:0:-1]).socket()\n")
    via_ts = Builder()
    data = text.encode("utf-8")
    from_treesitter.build(from_treesitter.parse(data, 5.0), data, via_ts)
    via_ast = Builder()
    from_ast.build(ast.parse(text), via_ast)
    assert _program_findings(via_ts, text) == _program_findings(via_ast, text)
    assert {(f[1], f[2]) for f in _program_findings(via_ts, text)} == {
        ("socket", 1), ("socket.getaddrinfo", 3), ("socket.gethostbyname", 4), ("socket.socket", 5)}


def test_python2_octal_and_long_literals_fold_in_tree_sitter():
    a = run(b"print 'x'\n__import__(chr(0163) + 'ocket').getaddrinfo('h', 10L)\n")
    assert triples(a) == {(N, "socket.getaddrinfo", 2)}
