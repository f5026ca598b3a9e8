"""Every fixture pattern: the exact (kind, api, line) set it must produce."""

from __future__ import annotations

import pytest

from egress.model import FindingKind

from .conftest import triples

N, IMP, DEP, DYN = FindingKind.NETWORK, FindingKind.IMPORT_ONLY, FindingKind.DEPENDENCY, FindingKind.DYNAMIC_REQUIRE
CODE = FindingKind.DYNAMIC_CODE

EXPECTED = {
    "import_plain/client.py": {(N, "socket.create_connection", 3)},
    "import_dotted_as/fetch.py": {(N, "urllib.request.urlopen", 5)},
    "from_import_as/fetch.py": {(N, "urllib.request.urlopen", 5)},
    "local_import/resolve.py": {(N, "socket.getaddrinfo", 3)},
    # both bindings are possible; the call is reported once, under the first
    "try_except_import/compat.py": {(N, "urllib.request.urlopen", 8)},
    "six_moves/compat.py": {
        (N, "urllib.request.urlopen", 7),
        (N, "http.client.HTTPSConnection", 11),
        (N, "urllib.request.urlopen", 15),
    },
    "dunder_import_literal/loader.py": {
        (N, "socket.create_connection", 8),
        (N, "urllib.request.urlopen", 12),
        (N, "ftplib.FTP", 16),
    },
    "dynamic_import/plugins.py": {
        (DYN, "__import__", 7),
        (DYN, "importlib.import_module", 11),
        (N, "socket.create_connection", 15),     # NAME = "soc" + "ket" folds
    },                                           # import_module("." + name): in-package, not reported
    # `from importlib import import_module` then a computed name: reported, never a crash
    "import_module_from_importlib/loader.py": {(DYN, "importlib.import_module", 4)},
    "socket_object/udp.py": {
        (N, "socket.socket", 5), (N, "socket.socket.sendto", 6),
        (N, "socket.socket", 10), (N, "socket.socket.connect", 10),
        (N, "socket.socket", 14), (N, "socket.socket.connect", 15),
    },
    "self_attribute/client.py": {(N, "socket.socket", 7), (N, "socket.socket.connect", 10)},
    "ssl_wrap/tls.py": {
        (N, "socket.create_connection", 7),
        (N, "ssl.SSLContext.wrap_socket", 8),
        (N, "ssl.wrap_socket", 12),
    },
    "http_client/conn.py": {(N, "http.client.HTTPSConnection", 5), (N, "http.client.HTTPConnection.request", 6)},
    "servers/serve.py": {
        (N, "http.server.HTTPServer", 6),
        (N, "socketserver.TCPServer.serve_forever", 7),
        (N, "socketserver.TCPServer", 11),
    },
    "urllib_opener/opener.py": {
        (N, "urllib.request.OpenerDirector.open", 6),
        (N, "urllib.request.urlopen", 11),
        (N, "urllib.request.urlretrieve", 15),
    },
    "stdlib_clients/clients.py": {
        (N, "ftplib.FTP", 11), (N, "smtplib.SMTP", 12), (N, "poplib.POP3", 13),
        (N, "imaplib.IMAP4_SSL", 14), (N, "nntplib.NNTP", 15), (N, "telnetlib.Telnet", 16),
        (N, "xmlrpc.client.ServerProxy", 17),
    },
    "asyncio_loop/aio.py": {
        (N, "asyncio.open_connection", 5),
        (N, "asyncio.start_server", 10),
        (N, "asyncio.AbstractEventLoop.create_connection", 15),
        (N, "asyncio.AbstractEventLoop.create_datagram_endpoint", 20),
    },
    "python2/legacy.py": {
        (N, "urllib2.urlopen", 12),
        (N, "httplib.HTTPConnection", 17),
        (N, "urllib.urlopen", 18),
        (N, "urllib.urlretrieve", 19),
        (N, "SocketServer.TCPServer", 20),
        (N, "xmlrpclib.ServerProxy", 21),
    },
    "dependencies/deps.py": {
        (DEP, "requests", 1), (DEP, "dnspython", 2), (DEP, "websocket-client", 3),
        (DEP, "paho-mqtt", 4), (DEP, "grpcio", 8),
    },
    "pth_file/evil.pth": {(N, "socket.create_connection", 3)},
    "setup_py/setup.py": {(N, "urllib.request.urlopen", 4)},
    "newer_syntax/typed.py": {(N, "urllib.request.urlopen", 7)},
    "syntax_error/broken.py": {(N, "socket.create_connection", 3)},
    # indirection: folded, decoded and hidden loaders (notes: test_py_indirection.py)
    "ind_concat/loader.py": {(N, "socket.create_connection", 6)},
    "ind_fstring/loader.py": {(N, "urllib.request.urlopen", 7)},
    "ind_join/loader.py": {(N, "urllib.request.urlopen", 8), (N, "urllib.request.urlopen", 12)},
    "ind_chr/loader.py": {(N, "socket.create_connection", 3), (N, "socket.gethostbyname", 8)},
    "ind_reverse/loader.py": {(N, "socket.create_connection", 2)},
    "ind_hex/loader.py": {(N, "socket.create_connection", 5)},
    "ind_base64/loader.py": {
        (N, "socket.create_connection", 6), (N, "socket.getaddrinfo", 10),
        (N, "socket.gethostbyname", 14), (N, "urllib.request.urlopen", 19),
    },
    "ind_rot13/loader.py": {(N, "socket.create_connection", 5), (N, "socket.getaddrinfo", 9)},
    "ind_zlib/loader.py": {(N, "socket.create_connection", 9)},
    "ind_const_index/loader.py": {
        (N, "socket.create_connection", 7), (N, "urllib.request.urlopen", 11), (N, "socket.getaddrinfo", 15),
    },
    "ind_fold_budget/loader.py": {(DYN, "__import__", 5)},
    "ind_spec_from_file/loader.py": {
        (DYN, "importlib.util.spec_from_file_location", 6), (DYN, "importlib.util.spec_from_file_location", 14),
    },
    "ind_getattr_folded/client.py": {(N, "socket.create_connection", 7)},
    "ind_getattr_import/client.py": {(N, "socket.socket", 2), (N, "socket.socket.connect", 3)},
    "ind_importlib_dunder_import/m.py": {(N, "socket.create_connection", 3)},   # importlib.__import__
    "ind_builtins_dict/loader.py": {
        (N, "socket.create_connection", 5), (N, "socket.getaddrinfo", 9),
        (N, "socket.gethostbyname", 13), (N, "urllib.request.urlopen", 18),
    },
    "ind_sys_modules/client.py": {(N, "socket.create_connection", 5)},
    # exec through the builtins module: attribute, getattr, vars(), an imported alias
    "ind_builtins_exec/run.py": {
        (N, "socket.create_connection", 5), (N, "urllib.request.urlopen", 6), (N, "socket.getaddrinfo", 7),
        (N, "socket.gethostbyname", 8),
    },
    # another distribution's vendored copy of a client is that client
    "ind_vendored/client.py": {(N, "requests.get", 6), (N, "requests.post", 7), (N, "urllib3.PoolManager.request", 8)},
    # a parameter run as code: its default, or what the file's one caller passes
    "ind_exec_parameter/run.py": {(N, "socket.getaddrinfo", 5), (N, "urllib.request.urlopen", 8)},
    # eval of a text that imports (the payload alone imports and uses nothing: low at the eval),
    # sys.modules.get, code given as byte values
    "ind_eval_value/run.py": {
        (IMP, "socket", 4), (N, "socket.create_connection", 5), (N, "socket.gethostbyname", 6),
        (N, "socket.getaddrinfo", 7),
    },
    # a module handed to a helper, by a caller or as the default
    "ind_module_argument/run.py": {(N, "urllib.request.urlopen", 7), (N, "socket.gethostbyname", 11)},
    "ind_exec_payload/run.py": {
        (N, "socket.create_connection", 8), (N, "socket.create_connection", 12),
        (N, "urllib.request.urlopen", 17), (N, "socket.getaddrinfo", 21), (N, "socket.gethostbyname", 24),
    },
    "ind_unresolved/dyn.py": {
        (IMP, "socket", 2), (DYN, "__import__", 8), (DYN, "importlib.import_module", 12), (DYN, "getattr", 16),
        (CODE, "exec", 20), (CODE, "eval", 24), (CODE, "compile", 28),
    },
    "ind_cross_file/pkg/__init__.py": set(),
    "ind_cross_file/pkg/client.py": set(),       # reaches the network only through .transport (local_uses)
    "ind_cross_file/pkg/transport.py": {(N, "urllib.request.urlopen", 6), (N, "socket.create_connection", 16)},
    # request details (destinations, data sources): see test_py_request_details.py
    "req_urls/client.py": {(N, "urllib.request.urlopen", line) for line in (10, 14, 18, 22, 26, 30, 34)},
    "req_exfil/steal.py": {(N, "urllib.request.urlopen", line) for line in (15, 21, 31, 36, 40)}
    | {(N, "socket.gethostbyname", 26)},
    "req_peers/peers.py": {
        (N, "socket.socket", 11), (N, "socket.socket.connect", 12), (N, "socket.socket", 17),
        (N, "socket.socket.sendto", 18), (N, "socket.create_connection", 22), (N, "smtplib.SMTP", 26),
        (N, "ftplib.FTP", 30), (N, "http.client.HTTPSConnection", 34), (N, "http.client.HTTPConnection.request", 35),
    },
    "req_params/pool.py": {(N, "socket.getaddrinfo", 6), (N, "socket.create_connection", 10)},
    "req_setup/setup.py": {(N, "urllib.request.urlopen", 6)},
    # negatives
    "ind_negative_plugins/plugins.py": set(),   # own submodules, 'js'+'on', exec of a constant without I/O
    "constants_only/consts.py": set(),
    "shadowed/shadow.py": {(IMP, "urllib.request", 2)},   # urlopen is shadowed where called
    "unused_import/unused.py": {(IMP, "socket", 1)},
}


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_fixture_findings(analyze, rel):
    analysis = analyze(rel)
    assert triples(analysis) == EXPECTED[rel]
    assert all(f.file == rel.split("/", 1)[1] for f in analysis.findings)
    if rel != "syntax_error/broken.py":
        assert analysis.error is None


def test_every_fixture_is_listed():
    from .conftest import FIXTURES

    on_disk = {f"{d.name}/{f.relative_to(d).as_posix()}" for d in FIXTURES.iterdir()
               for f in d.rglob("*") if f.is_file()}
    assert on_disk == set(EXPECTED)
