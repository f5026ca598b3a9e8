"""Python destinations and data sources through methods and classes (issue #5).

Each fixture under tests/fixtures/destinations_methods/py/ is one form:
``self._request(url)`` wrappers, constructor attributes (``self.host = host``
read back from ``Client('mail.example.org')``), class-level constants,
method defaults, and the negatives (a method of the same name on another
class, an unknown receiver, a reassigned parameter).  The tests assert each
network finding's exact api and line, its destinations (text, known,
classes, note) and its data sources.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egress.analyzers.python import PythonAnalyzer
from egress.model import FindingKind, SourceFile

FIXTURES = Path(__file__).parent / "fixtures" / "destinations_methods" / "py"


@pytest.fixture(scope="module")
def analyzer() -> PythonAnalyzer:
    return PythonAnalyzer()


def _details(analyzer: PythonAnalyzer, name: str) -> dict[tuple[str, int], tuple[list[tuple], tuple[str, ...]]]:
    result = analyzer.analyze(SourceFile(name, (FIXTURES / name).read_bytes()))
    assert result.error is None
    return {(f.api, f.line): ([(d.text, d.known, d.classes, d.note) for d in f.destinations], f.data_sources)
            for f in result.findings if f.kind is FindingKind.NETWORK}


def test_self_method_wrapper_and_a_constructor_attribute_sent(analyzer) -> None:
    # Other()._request(ip, os.environ) is a method of another class: neither its URL nor its data arrive
    assert _details(analyzer, "self_method.py") == {
        ("urllib.request.urlopen", 10): ([
            ("https://api.example.com/v1/items", "full", ("public",), "argument at line 13"),
            ("https://203.0.113.7/c", "full", ("ip-literal", "public"), "argument at line 16"),
        ], ("env NPM_TOKEN",)),     # self.token, from Api(os.environ["NPM_TOKEN"])
    }


def test_constructor_attributes_from_the_class_calls(analyzer) -> None:
    # host from Mailer(...) and from the subclass Backup(...) that keeps Mailer.__init__; the default
    # port only for the call that takes it (no backup.example.org:587)
    assert _details(analyzer, "constructor_attrs.py") == {
        ("smtplib.SMTP", 10): ([
            ("mail.example.org:587", "full", ("public",), "argument at line 17; default argument at line 17"),
            ("backup.example.org:2525", "full", ("public",), "argument at line 18"),
        ], ()),
    }


def test_class_level_constants(analyzer) -> None:
    assert _details(analyzer, "class_constants.py") == {
        ("urllib.request.urlopen", 8): ([("https://api.example.com/v1/users", "full", ("public",),
                                          "argument at line 24")], ()),                   # self.BASE + path
        ("urllib.request.urlopen", 12): ([("https://api.example.com/status", "full", ("public",), "")], ()),  # cls
        ("urllib.request.urlopen", 17): ([("https://api.example.com/ping", "full", ("public",), "")], ()),   # base
        ("urllib.request.urlopen", 21): ([("https://api.example.com/version", "full", ("public",), "")], ()),  # Api.
    }


def test_method_defaults(analyzer) -> None:
    assert _details(analyzer, "method_defaults.py") == {
        ("smtplib.SMTP", 7): ([
            ("relay.example.org", "full", ("public",), "argument at line 14"),
            ("pool.example.org", "full", ("public",), "default argument at line 13"),
        ], ()),
        ("socket.create_connection", 10): ([("time.example.net:123", "full", ("public",),
                                             "argument at line 15; default argument")], ()),
    }


def test_reassigned_parameter_unrelated_class_and_unknown_receiver(analyzer) -> None:
    assert _details(analyzer, "negatives.py") == {
        ("urllib.request.urlopen", 8): ([("https://fixed.example.com/", "full", ("public",), "")], ()),
    }


def test_every_assignment_of_an_attribute_is_a_reading(analyzer) -> None:
    source = (b"import smtplib\n"
              b"class M:\n"
              b"    def __init__(self):\n"
              b"        self.host = 'mail.example.org'\n"
              b"    def reset(self, h):\n"
              b"        self.host = h.strip()\n"
              b"    def go(self):\n"
              b"        return smtplib.SMTP(self.host)\n")
    result = analyzer.analyze(SourceFile("m.py", source))
    [finding] = [f for f in result.findings if f.kind is FindingKind.NETWORK]
    assert (finding.api, finding.line) == ("smtplib.SMTP", 8)
    assert [(d.text, d.known) for d in finding.destinations] == [("mail.example.org", "full"), ("<dynamic>", "dynamic")]


def test_a_socket_held_in_self_its_address_from_attributes_and_what_it_sends(analyzer) -> None:
    # self.host from Peer(...) at line 17, the class constant PORT, and self.sock.send(...) in the same method
    assert _details(analyzer, "socket_attrs.py") == {
        ("socket.socket", 10): ([], ()),
        ("socket.socket.connect", 13): ([("198.51.100.20:4444", "full", ("ip-literal", "public"),
                                          "argument at line 17")], ("username",)),
    }


def test_a_subclass_passing_its_argument_to_super_init(analyzer) -> None:
    assert _details(analyzer, "super_init.py") == {
        ("smtplib.SMTP", 9): ([("relay.example.org", "full", ("public",),
                                "argument at line 18; argument at line 14")], ()),
    }


def test_chained_methods_with_many_callers_stay_bounded(analyzer) -> None:
    """60 methods each handing (and storing) their arguments on, 300 constructions: readings capped."""
    import time

    lines = ["import os, urllib.request", "class Big:", "    def __init__(self, a, b):",
             "        self.a = a", "        self.b = b"]
    for i in range(60):
        lines += [f"    def m{i}(self, u, v):", "        self.a = self.a + u",
                  f"        return self.m{i + 1}(self.a + u + v, self.b + v)"]
    lines += ["    def m60(self, u, v):", "        return urllib.request.urlopen(self.a + self.b + u + v)"]
    lines += [f"Big('https://h{i}.example.com', '/p{i}').m{i % 60}('/x{i}', os.environ['T{i}'])" for i in range(300)]
    started = time.process_time()
    result = analyzer.analyze(SourceFile("big.py", "\n".join(lines).encode()))
    assert time.process_time() - started < 10
    [finding] = [f for f in result.findings if f.kind is FindingKind.NETWORK]
    assert (finding.api, finding.line) == ("urllib.request.urlopen", 187)
    assert 1 <= len(finding.destinations) <= 4
