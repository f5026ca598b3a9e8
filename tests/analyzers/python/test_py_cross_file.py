"""Cross-file facts: the exact ``exports`` and ``local_uses`` of a small package.

``ind_cross_file/pkg``: ``transport.py`` wraps the network, ``client.py``
calls it through relative imports, ``__init__.py`` re-exports.  The
conventions are documented in ``egress.analyzers.python.facts``.
"""

from __future__ import annotations

from egress.analyzers.python import PythonAnalyzer
from egress.model import Capability, ExportFact, LocalUse, SourceFile

REQ, CONN = Capability.REQUEST, Capability.CONNECT


def test_transport_exports_functions_methods_and_aliases(analyze):
    a = analyze("ind_cross_file/pkg/transport.py")
    assert a.file == "pkg/transport.py"
    assert a.exports == (
        ExportFact("send", "urllib.request.urlopen", "urllib.request", REQ, 6, 12),
        # send_twice only calls send: summarised by the fixpoint, at send's call
        ExportFact("send_twice", "urllib.request.urlopen", "urllib.request", REQ, 6, 12, note="via send()"),
        ExportFact("Client", "socket.create_connection", "socket", CONN, 16, 16, member_of="get"),
        ExportFact("open_url", "urllib.request.urlopen", "urllib.request", REQ, 22, 12, note="alias"),
    )
    assert a.local_uses == ()


def test_client_local_uses_and_what_it_hands_on(analyze):
    a = analyze("ind_cross_file/pkg/client.py")
    assert a.findings == ()
    assert a.local_uses == (
        LocalUse(".transport", "send", 6, 12, "return send(url)", True, None, True),
        LocalUse(".", "transport", 10, 12, "return transport.Client().get(host)", True, "Client.get", True),
        LocalUse(".", "transport", 10, 12, "return transport.Client().get(host)", True, "Client", True),
        LocalUse(".transport", "send", 14, 10, "hook(send)", True, None, False),
    )
    assert a.exports == (
        ExportFact("send", line=1, column=1, via_specifier=".transport", via_member="send", note="re-export"),
        ExportFact("transport", line=2, column=1, via_specifier=".", via_member="transport", note="re-export"),
        ExportFact("fetch", line=6, column=12, via_specifier=".transport", via_member="send",
                   note="calls a local module"),
        ExportFact("connect", line=10, column=12, via_specifier=".", via_member="transport.Client",
                   note="calls a local module"),
        ExportFact("connect", line=10, column=12, via_specifier=".", via_member="transport.Client.get",
                   note="calls a local module"),
    )


def test_init_reexports_relative_star_and_absolute_own_name(analyze):
    a = analyze("ind_cross_file/pkg/__init__.py")
    assert a.exports == (
        ExportFact("send", line=1, column=1, via_specifier=".transport", via_member="send", note="re-export"),
        ExportFact("*", line=2, column=1, via_specifier=".client", via_member="*", note="re-export"),
        ExportFact("Client", line=3, column=1, via_specifier="pkg.transport", via_member="Client",
                   note="re-export"),
    )
    assert (a.findings, a.local_uses) == ((), ())


def src(text: str, path: str = "m.py"):
    return PythonAnalyzer().analyze(SourceFile(path, text.encode("utf-8")))


def test_absolute_imports_of_the_packages_own_name_are_local_uses():
    text = ("import json\nimport numpy\nimport pkg.transport\nfrom pkg.transport import send\n"
            "json.dumps(1)\nnumpy.array(1)\npkg.transport.send('u')\nsend('u')\n")
    a = src(text, "pkg/client.py")       # no network signal of its own: analysed for its imports of pkg
    assert a.local_uses == (
        LocalUse("pkg.transport", None, 7, 1, "pkg.transport.send('u')", False, "send", True),
        LocalUse("pkg.transport", "send", 8, 1, "send('u')", False, None, True),
    )
    assert a.exports == (
        ExportFact("send", line=4, column=1, via_specifier="pkg.transport", via_member="send", note="re-export"),
    )
    assert src(text, "other/client.py").local_uses == ()    # pkg is not this file's package


def test_catalogued_and_stdlib_modules_are_never_local():
    a = src("import socket, os\nfrom . import helpers\nsocket.gethostname()\nos.getcwd()\nhelpers.run()\n")
    assert a.local_uses == (LocalUse(".", "helpers", 5, 1, "helpers.run()", False, "run", True),)


def test_star_import_from_local_module_links_unbound_names_but_not_builtins():
    a = src("from .transport import *\n\ndef go(u):\n    print(u)\n    return send(u)\n")
    assert a.local_uses == (LocalUse(".transport", "send", 5, 12, "return send(u)", True, None, True),)


def test_fixpoint_reaches_through_a_chain_of_local_functions():
    a = src("import socket\n\ndef c():\n    return b()\n\ndef b():\n    return a()\n\n"
            "def a():\n    return socket.getaddrinfo('h', 1)\n\ndef unrelated():\n    return 1\n")
    assert [(e.name, e.api, e.line, e.note) for e in a.exports] == [   # at a's call, by name
        ("a", "socket.getaddrinfo", 10, ""),
        ("b", "socket.getaddrinfo", 10, "via a()"),
        ("c", "socket.getaddrinfo", 10, "via b()"),
    ]


def test_local_facts_can_be_turned_off_for_files_without_network_signals():
    from .conftest import FIXTURES

    text = (FIXTURES / "ind_cross_file" / "pkg" / "client.py").read_bytes()
    off = PythonAnalyzer(local_facts=False).analyze(SourceFile("pkg/client.py", text))
    assert off.local_uses == ()
    assert [e.name for e in off.exports] == ["send", "transport"]        # re-exports come from imports alone
