"""Every fixture file under tests/fixtures/npm gives exactly the findings listed here.

One entry per file: the set of (kind, api, line, column).  An extra or a
missing finding fails, and so does a fixture file without an entry.
"""

from __future__ import annotations

import pytest

from egress.model import FindingKind

from .conftest import FIXTURES

NET = FindingKind.NETWORK
ONLY = FindingKind.IMPORT_ONLY
DEP = FindingKind.DEPENDENCY
DYN = FindingKind.DYNAMIC_REQUIRE
CODE = FindingKind.DYNAMIC_CODE

EXPECTED: dict[str, set[tuple[FindingKind, str, int, int]]] = {
    # import forms
    "require-member-call/index.js": {(NET, "https.request", 3, 1)},
    "import-default/index.mjs": {(NET, "http.get", 4, 10)},
    "import-namespace/index.mjs": {(NET, "net.connect", 3, 1)},
    "import-named-alias/index.mjs": {(NET, "https.request", 3, 1)},
    "export-from/index.mjs": {(ONLY, "https", 1, 1), (ONLY, "net", 2, 1)},
    "dynamic-import/index.mjs": {(NET, "https.request", 2, 1), (NET, "dns.lookup", 4, 34)},
    "typescript/src/client.ts": {(NET, "https.request", 7, 10), (NET, "http.createServer", 10, 23)},
    "interop-wrappers/index.js": {
        (NET, "https.request", 5, 1), (NET, "net.connect", 6, 1), (NET, "http.request", 7, 1),
    },
    # a network function handed on (returned, passed, stored in a literal): medium, not a call
    "handed-on/index.js": {(NET, "https.request", 4, 10), (NET, "dns.lookup", 6, 26), (NET, "dns.resolve4", 7, 46)},
    # alias forms
    "alias-require-variable/index.js": {(NET, "https.get", 4, 10)},
    "alias-destructure/index.js": {(NET, "https.get", 4, 1)},
    "alias-member-of-require/index.js": {(NET, "http.request", 3, 1)},
    "alias-late-assignment/index.js": {(NET, "net.connect", 4, 1)},
    "alias-ternary/index.js": {
        (NET, "http.request", 6, 10), (NET, "https.request", 6, 10),
        (NET, "http.request", 11, 10), (NET, "https.request", 11, 10),
    },
    "socket-on-this/client.js": {(NET, "net.Socket", 5, 19), (NET, "net.Socket.connect", 7, 5)},
    "socket-local/index.js": {(NET, "net.Socket", 3, 11), (NET, "net.Socket.connect", 5, 1)},
    "server-chain/index.js": {
        (NET, "http.createServer", 4, 4), (NET, "net.Server.listen", 5, 4),
        (NET, "http.createServer", 7, 1), (NET, "net.Server.listen", 7, 21),
    },
    "merged-globals/index.js": {(NET, "WebSocket", 5, 10)},
    "class-field/client.ts": {(NET, "net.Socket", 4, 32), (NET, "net.Socket.connect", 8, 5)},
    "bundle-scopes/dist.js": {(NET, "http.get", 4, 12)},
    # the node APIs
    "node-apis/index.js": {
        (NET, "net.createConnection", 8, 1), (NET, "tls.connect", 9, 1),
        (NET, "dgram.createSocket", 10, 14), (NET, "dgram.Socket.send", 11, 1),
        (NET, "dns.lookup", 12, 1), (NET, "dns.resolve4", 13, 1), (NET, "dns.resolveTxt", 14, 1),
        (NET, "dns.promises.resolve4", 15, 1), (NET, "http2.connect", 16, 1),
        (NET, "http.createServer", 17, 16), (NET, "net.Server.listen", 18, 1),
    },
    "dns-promises/index.js": {(NET, "dns.promises.resolve4", 4, 1), (NET, "dns.promises.lookup", 5, 1)},
    # globals
    "globals/browser.js": {
        (NET, "fetch", 1, 1), (NET, "XMLHttpRequest", 2, 13), (NET, "WebSocket", 3, 12),
        (NET, "EventSource", 4, 12), (NET, "navigator.sendBeacon", 5, 1), (NET, "importScripts", 6, 1),
    },
    "globals-via-object/browser.js": {
        (NET, "fetch", 1, 1), (NET, "fetch", 2, 1), (NET, "fetch", 3, 1), (NET, "fetch", 4, 1),
        (NET, "navigator.sendBeacon", 5, 1), (NET, "WebSocket", 6, 1),
    },
    "global-reference/index.js": {(NET, "fetch", 3, 19)},
    "global-alias-called/index.js": {(NET, "fetch", 4, 10)},
    "tsx-component/src/App.tsx": {(NET, "fetch", 5, 23)},
    "flow-annotations/index.js": {(NET, "fetch", 3, 10)},
    "unicode-column/index.js": {(NET, "fetch", 1, 26)},
    "minified/index.min.js": {(NET, "fetch", 1, 270)},
    "syntax-error/broken.js": {(NET, "fetch", 1, 1)},
    # dependencies, folding, dynamic names
    "dependency-client/index.js": {(DEP, "axios", 1, 15), (DEP, "axios", 2, 18)},
    "dependency-client/esm.mjs": {(DEP, "got", 1, 1), (DEP, "ws", 2, 1)},
    "folded-specifier/index.js": {
        (NET, "https.get", 1, 1), (NET, "net.connect", 2, 1),
        (NET, "dgram.createSocket", 4, 1), (NET, "dns.lookup", 5, 1),
    },
    "dynamic-require/index.js": {(DYN, "require", 2, 10)},
    "dynamic-require/esm.mjs": {(DYN, "import", 1, 31), (ONLY, "https", 2, 28)},
    "import-only/index.js": {(ONLY, "net", 1, 13), (ONLY, "http", 2, 14), (ONLY, "dns", 3, 1)},
    # indirection: folded names, hidden loaders, decoded payloads, what cannot be resolved
    "ind-create-require/index.mjs": {(NET, "https.get", 3, 15)},
    "ind-cross-file/index.mjs": {(ONLY, "http", 3, 1)},
    "ind-cross-file/lib/client.js": set(),
    "ind-cross-file/lib/compiled.js": set(),
    "ind-cross-file/lib/transport.js": {(NET, "https.get", 4, 10), (NET, "https.request", 8, 16), (ONLY, "https", 9, 15)},
    "ind-dynamic-import-folded/index.mjs": {(NET, "https.get", 2, 1)},
    "ind-eval-base64/index.js": {(NET, "https.get", 2, 1)},
    "ind-eval-require/index.js": {(NET, "net.connect", 2, 13)},
    "ind-fold-array/index.js": {(NET, "net.connect", 2, 1)},
    "ind-fold-atob/index.js": {(NET, "https.get", 1, 1)},
    "ind-fold-base64/index.js": {(NET, "net.connect", 2, 1)},
    "ind-fold-budget/index.js": {(DYN, "require", 2, 1)},
    "ind-fold-charcode/index.js": {(NET, "net.connect", 1, 1)},
    "ind-fold-concat/index.js": {(NET, "https.get", 1, 1)},
    "ind-fold-escapes/index.js": {(NET, "https.get", 1, 1)},
    "ind-fold-hex/index.js": {(NET, "dns.lookup", 1, 1)},
    "ind-fold-join/index.js": {(NET, "net.connect", 1, 1)},
    "ind-fold-object/index.js": {(NET, "https.get", 2, 1)},
    "ind-fold-replace/index.js": {(NET, "https.get", 1, 1)},
    "ind-fold-reverse/index.js": {(NET, "https.get", 1, 1)},
    "ind-fold-slice/index.js": {(NET, "https.get", 1, 1), (NET, "net.connect", 2, 1)},
    "ind-fold-template/index.js": {(NET, "https.get", 2, 1)},
    "ind-function-hex/index.js": {(NET, "fetch", 2, 1)},
    "ind-function-require/index.js": {(NET, "https.get", 2, 15)},
    "ind-function-this/index.js": {(NET, "fetch", 2, 1)},
    "ind-global-computed/index.js": {(NET, "WebSocket", 4, 1), (NET, "fetch", 2, 1), (NET, "fetch", 5, 1)},
    "ind-main-module/index.js": {(NET, "http.get", 1, 36)},
    "ind-global-mainmodule/index.js": {(NET, "net.connect", 2, 12)},     # process reached through global
    "ind-module-compile/index.js": {(NET, "https.get", 3, 1)},
    "ind-module-load/index.js": {(NET, "http.get", 1, 34), (NET, "net.connect", 2, 32)},
    "ind-module-require/index.js": {(NET, "https.get", 1, 25)},
    "ind-neg-eval-require/index.js": set(),
    "ind-neg-function-this/index.js": set(),
    "ind-neg-plugin-loader/index.js": set(),
    "ind-process-binding/index.js": {(NET, "process._linkedBinding('udp_wrap')", 2, 13), (NET, "process.binding('tcp_wrap')", 1, 17)},
    "ind-reflect-get/index.js": {(NET, "fetch", 1, 1)},
    "ind-require-alias/index.js": {(NET, "https.get", 4, 17), (NET, "net.connect", 2, 10)},
    "ind-require-call/index.js": {(NET, "dns.lookup", 2, 30), (NET, "net.connect", 1, 27)},
    "ind-timer-string/index.js": {(NET, "dgram.createSocket", 1, 1)},
    # values into and out of the file's own functions (interproc.py)
    "ind-iife-require/index.js": {(NET, "https.get", 3, 8)},
    "ind-module-argument/index.js": {(NET, "https.get", 3, 10)},
    "ind-factory/index.js": {(NET, "https.get", 11, 7), (NET, "http.request", 12, 9), (NET, "net.connect", 13, 8),
                             (NET, "tls.connect", 15, 1)},     # the last through a getter
    "ind-function-variable/index.js": {(NET, "http.request", 2, 12)},
    # the Function constructor through .constructor: its payload analysed
    "ind-constructor-chain/index.js": {(NET, "fetch", 2, 1), (NET, "fetch", 3, 1), (NET, "fetch", 5, 1)},
    # folding through a local accessor function, JSON text, an object's values; binding by array position
    "ind-fold-accessor/index.js": {(NET, "https.get", 9, 1), (NET, "https.request", 10, 1)},
    "ind-fold-json-object/index.js": {(NET, "https.get", 3, 1), (NET, "net.connect", 6, 1)},
    "ind-array-destructure/index.js": {(NET, "https.get", 3, 1), (NET, "net.connect", 6, 1)},
    # data gathered in one file and sent by a local module's function (linked in the pipeline)
    "ind-split-exfil/index.js": set(),
    "ind-split-exfil/lib/report.js": {(NET, "https.request", 3, 15)},
    "ind-split-exfil/lib/net.js": {(NET, "http.get", 2, 31)},
    "ind-split-exfil/lib/all.js": set(),
    "ind-split-exfil/lib/post.js": {(NET, "https.request", 2, 33)},
    # WebSocket and messaging clients open connections
    "websocket-clients/index.js": {
        (NET, "ws", 2, 11), (NET, "ws.WebSocket", 4, 1), (NET, "socket.io-client", 6, 1), (NET, "mqtt.connect", 8, 1),
    },
    "ind-timer-string/dynamic.js": {(CODE, "setTimeout", 2, 1)},
    "ind-unresolved/webpack.js": {(DYN, "__non_webpack_require__", 1, 28)},
    "ind-ts-casts/index.ts": {(NET, "fetch", 3, 1), (NET, "fetch", 4, 1)},
    "ind-unresolved/esm.mjs": {(DYN, "import", 1, 31)},
    "ind-unresolved/index.js": {(CODE, "eval", 4, 29), (CODE, "new Function", 5, 24), (DYN, "https", 3, 30), (DYN, "require", 2, 30)},
    "ind-vm-run/index.js": {(NET, "WebSocket", 4, 1), (NET, "fetch", 3, 1), (NET, "fetch", 3, 41), (NET, "net.connect", 2, 1)},
    "ind-zlib-payload/index.js": {(NET, "net.connect", 3, 1)},
    # request details (destinations and data sent: test_js_request_details.py)
    "req-alternatives/index.js": {(NET, "https.get", 5, 1), (NET, "https.request", 9, 1), (NET, "net.connect", 12, 10),
                                  (NET, "fetch", 17, 1), (NET, "https.get", 18, 1)},
    "req-dns-hostname/index.js": {(NET, "dns.lookup", 5, 1), (NET, "dns.resolve", 6, 1)},
    "req-esm/index.mjs": {(NET, "fetch", 6, 7), (NET, "fetch", 7, 7), (NET, "fetch", 8, 7)},
    "req-exec/index.js": {(NET, "https.get", 5, 1), (NET, "https.get", 8, 3)},
    "req-exfil-env/index.js": {(NET, "https.request", 4, 13), (NET, "fetch", 9, 1)},
    "req-helper-data/index.js": {(NET, "https.request", 5, 15), (NET, "https.request", 16, 10)},
    "req-helper/index.js": {(NET, "https.get", 4, 10)},
    "req-literals/index.js": {(NET, "fetch", 7, 9), (NET, "http.get", 8, 3), (NET, "https.get", 9, 3), (NET, "http.get", 10, 3),
                              (NET, "fetch", 11, 3), (NET, "fetch", 12, 3), (NET, "WebSocket", 13, 14),
                              (NET, "XMLHttpRequest", 14, 15)},
    "req-npmrc/index.js": {(NET, "fetch", 9, 1)},
    "req-options/index.js": {(NET, "https.request", 7, 15), (NET, "http.request", 9, 3), (NET, "https.get", 10, 3)},
    "req-sockets/index.js": {(NET, "net.connect", 6, 16), (NET, "tls.connect", 9, 1), (NET, "net.connect", 10, 1),
                             # line 11 net.connect('/var/run/app.sock'): local IPC, no finding (ipc.py)
                             (NET, "net.Socket", 12, 11), (NET, "net.Socket.connect", 13, 1),
                             (NET, "dgram.createSocket", 15, 13), (NET, "dgram.Socket.send", 16, 1)},
    # negatives: nothing at all
    "req-banner/index.js": set(),
    "helpers-only/index.mjs": set(),
    "helpers-only/destructured.js": set(),
    "import-type/index.ts": set(),
    "shadowed-require/index.js": set(),
    "local-fetch/function.js": set(),
    "local-fetch/variable.js": set(),
    "local-fetch/parameter.js": set(),
    "local-fetch/imported.mjs": set(),
    "local-fetch/class.js": set(),
    "local-fetch/self-variable.js": set(),
    "typeof-fetch/index.js": set(),
    "comments-and-strings/index.js": set(),
}
#: Files the analyzer must not even take (type declarations).
NOT_HANDLED = {"type-declarations/index.d.ts"}


def _fixture_files() -> set[str]:
    return {
        str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*")
        if p.is_file() and p.name != "package.json"
    }


def test_every_fixture_file_has_an_expectation() -> None:
    assert _fixture_files() == set(EXPECTED) | NOT_HANDLED


def test_every_fixture_is_a_package() -> None:
    folders = {rel.split("/")[0] for rel in _fixture_files()}
    assert all((FIXTURES / folder / "package.json").is_file() for folder in folders)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_fixture_findings(analyze, rel: str) -> None:
    result = analyze(rel)
    found = [(f.kind, f.api, f.line, f.column) for f in result.findings]
    assert len(found) == len(set(found)), "duplicate findings"
    assert set(found) == EXPECTED[rel]
    assert all(f.file == rel.partition("/")[2] for f in result.findings)


@pytest.mark.parametrize("rel", sorted(NOT_HANDLED))
def test_declaration_files_are_not_handled(analyzer, rel: str) -> None:
    assert not analyzer.handles(str(FIXTURES / rel))
