"""Indirection: folded names, decoders, hidden loaders, decoded payloads, what stays unresolved.

Each row: fixture file, api, line -> (kind, column, confidence, note).  The
note must name the fold or the decoding, so a reviewer sees how the name
was hidden.
"""

from __future__ import annotations

import base64
import zlib

import pytest

from egress.analyzers.python import PythonAnalyzer
from egress.model import Confidence, FindingKind, SourceFile

from .conftest import one, triples

N, DYN, CODE = FindingKind.NETWORK, FindingKind.DYNAMIC_REQUIRE, FindingKind.DYNAMIC_CODE
H, M, L = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW
TCP = "SOCK_STREAM (TCP, default)"
URL_NOTE = "file also contains network-looking strings: 'https://collector.example.org/upload'"

CASES = [
    ("ind_concat/loader.py", "socket.create_connection", 6, N, 12, H, "folded: PREFIX + 'ket' → socket"),
    ("ind_fstring/loader.py", "urllib.request.urlopen", 7, N, 12, H, "folded: f'urllib.{KIND}' → urllib.request"),
    ("ind_join/loader.py", "urllib.request.urlopen", 8, N, 12, H, "folded: ''.join(PARTS) → urllib.request"),
    ("ind_join/loader.py", "urllib.request.urlopen", 12, N, 12, H,
     "folded: '.'.join(['urllib', 'request']) → urllib.request"),
    ("ind_chr/loader.py", "socket.create_connection", 3, N, 12, H,
     "folded: ''.join(map(chr, [115, 111, 99, 107])) → socket"),
    ("ind_chr/loader.py", "socket.gethostbyname", 8, N, 12, H,
     "folded: chr(115) + chr(111) + chr(99) + chr(107) + chr(101) + chr(116) → socket"),
    ("ind_reverse/loader.py", "socket.create_connection", 2, N, 12, H, "folded: 'tekcos'[::-1] → socket"),
    ("ind_hex/loader.py", "socket.create_connection", 5, N, 12, H, "decoded hex → socket"),
    ("ind_base64/loader.py", "socket.create_connection", 6, N, 12, H, "decoded base64 → socket"),
    ("ind_base64/loader.py", "socket.getaddrinfo", 10, N, 12, H, "decoded base32 → socket"),
    ("ind_base64/loader.py", "socket.gethostbyname", 14, N, 12, H, "decoded base16 → socket"),
    ("ind_base64/loader.py", "urllib.request.urlopen", 19, N, 12, H, "decoded base64 → urllib.request"),
    ("ind_rot13/loader.py", "socket.create_connection", 5, N, 12, H, "decoded rot13 → socket"),
    ("ind_rot13/loader.py", "socket.getaddrinfo", 9, N, 12, H, "decoded rot13 → socket"),
    ("ind_zlib/loader.py", "socket.create_connection", 9, N, 12, H, "decoded base64+zlib → socket"),
    ("ind_const_index/loader.py", "socket.create_connection", 7, N, 12, H, "folded: BACKENDS['tcp'] → socket"),
    ("ind_const_index/loader.py", "urllib.request.urlopen", 11, N, 12, H, "folded: ORDER[1] → urllib.request"),
    ("ind_const_index/loader.py", "socket.getaddrinfo", 15, N, 12, H, "folded: NAMES[-1] → socket"),
    ("ind_fold_budget/loader.py", "__import__", 5, DYN, 12, L, "fold budget exceeded"),
    ("ind_spec_from_file/loader.py", "importlib.util.spec_from_file_location", 6, DYN, 12, L,
     "loads file 'plugins/net.py'"),
    ("ind_spec_from_file/loader.py", "importlib.util.spec_from_file_location", 14, DYN, 12, L,
     "loads file os.path.join(os.path.dirname(__file__), name + '.py')"),
    ("ind_getattr_folded/client.py", "socket.create_connection", 7, N, 12, H,
     "folded: 'create_' + 'connection' → create_connection"),
    ("ind_getattr_import/client.py", "socket.socket", 2, N, 12, M, f"folded: 'soc' + 'ket' → socket; {TCP}"),
    ("ind_getattr_import/client.py", "socket.socket.connect", 3, N, 5, H, "folded: 'soc' + 'ket' → socket"),
    ("ind_builtins_dict/loader.py", "socket.create_connection", 5, N, 12, H, "via builtins.__dict__['__import__']"),
    ("ind_builtins_dict/loader.py", "socket.getaddrinfo", 9, N, 12, H, "via __builtins__['__import__']"),
    ("ind_builtins_dict/loader.py", "socket.gethostbyname", 13, N, 12, H, "via __builtins__.__import__"),
    ("ind_builtins_dict/loader.py", "urllib.request.urlopen", 18, N, 12, H,
     "via globals()['__builtins__'].__import__"),
    ("ind_sys_modules/client.py", "socket.create_connection", 5, N, 12, H, "via sys.modules['socket']"),
    ("ind_exec_payload/run.py", "socket.create_connection", 8, N, 5, H,
     "in decoded payload (base64, depth 1), payload line 2"),
    ("ind_exec_payload/run.py", "socket.create_connection", 12, N, 5, H,
     "in decoded payload (hex, depth 1), payload line 2"),
    ("ind_exec_payload/run.py", "urllib.request.urlopen", 17, N, 10, H,
     "in decoded payload (base64+zlib, depth 1), payload line 3"),
    ("ind_exec_payload/run.py", "socket.getaddrinfo", 21, N, 5, H,
     "in decoded payload (base64, depth 1), payload line 2; in decoded payload (hex, depth 2), payload line 2"),
    ("ind_exec_payload/run.py", "socket.gethostbyname", 24, N, 1, H,
     "in payload (folded string, depth 1), payload line 2"),
    ("ind_unresolved/dyn.py", "__import__", 8, DYN, 12, L, f"name; {URL_NOTE}"),
    ("ind_unresolved/dyn.py", "importlib.import_module", 12, DYN, 12, L, f"name; {URL_NOTE}"),
    ("ind_unresolved/dyn.py", "getattr", 16, DYN, 12, L, f"computed attribute of socket: getattr(socket, attr); {URL_NOTE}"),
    ("ind_unresolved/dyn.py", "exec", 20, CODE, 5, M, f"exec(code); {URL_NOTE}"),
    ("ind_unresolved/dyn.py", "eval", 24, CODE, 12, M, f"eval(expr); {URL_NOTE}"),
    ("ind_unresolved/dyn.py", "compile", 28, CODE, 12, M, f"compile(src); {URL_NOTE}"),
]


@pytest.mark.parametrize("rel, api, line, kind, column, confidence, note", CASES,
                         ids=[f"{c[0]}:{c[2]}:{c[1]}" for c in CASES])
def test_indirection_finding(analyze, rel, api, line, kind, column, confidence, note):
    f = one(analyze(rel), api, line)
    assert (f.kind, f.column, f.confidence, f.note, f.file) == (kind, column, confidence, note, rel.split("/", 1)[1])


def test_decoded_payload_finding_is_at_the_exec_call_with_payload_trace(analyze):
    f = one(analyze("ind_exec_payload/run.py"), "socket.create_connection", 8)
    assert (f.snippet, f.in_function, f.module) == ("exec(base64.b64decode(STAGE))", True, "socket")
    assert [(t.line, t.column, t.note) for t in f.trace] == [(8, 5, "payload line 1: import socket")]
    top = one(analyze("ind_exec_payload/run.py"), "socket.gethostbyname", 24)
    assert top.in_function is False


def test_negative_plugins_stay_quiet(analyze):
    a = analyze("ind_negative_plugins/plugins.py")
    assert (a.findings, a.error) == ((), None)


def src(text: str):
    return PythonAnalyzer().analyze(SourceFile("m.py", text.encode("utf-8")))


def _exec_of(code: str) -> str:
    return f"import base64\nexec(base64.b64decode({base64.b64encode(code.encode()).decode()!r}))\n"


def test_payload_depth_limit_is_three():
    code = "import socket\nsocket.getaddrinfo('h', 1)\n"
    for _ in range(3):
        code = _exec_of(code)
    within = src(code)           # three levels of exec: analysed
    assert triples(within) == {(N, "socket.getaddrinfo", 2)}
    deeper = src(_exec_of(code))
    f = one(deeper, "exec", 2)
    assert f.kind is CODE
    assert f.note.endswith("payload nested deeper than 3")


def test_payload_that_does_not_parse_is_dynamic_code():
    a = src("exec('def (:')\n")
    f = one(a, "exec", 1)
    assert (f.kind, f.confidence) == (CODE, M)
    assert f.note.startswith("payload does not parse as Python")


def test_marshal_payload_is_not_decoded():
    a = src("import marshal\nexec(marshal.loads(b'\\xe3'))\n")
    assert triples(a) == {(CODE, "exec", 2)}


def test_zlib_bomb_hits_the_size_budget():
    bomb = base64.b64encode(zlib.compress(b"a" * (2 << 20))).decode()
    a = src(f"import base64, zlib\nexec(zlib.decompress(base64.b64decode({bomb!r})))\n")
    f = one(a, "exec", 2)
    assert (f.kind, f.note) == (CODE, "fold budget exceeded")


def test_shadowed_decoder_and_chr_do_not_fold():
    a = src("def chr(n):\n    return 'x'\n__import__(chr(115))\n"
            "class base64:\n    b64decode = staticmethod(lambda s: s)\n__import__(base64.b64decode('c29ja2V0').decode())\n")
    assert triples(a) == {(DYN, "__import__", 3), (DYN, "__import__", 6)}


def test_exec_of_a_package_file_is_a_low_dynamic_require():
    a = src("exec(open('pkg/version.py').read())\n")
    f = one(a, "exec", 1)
    assert (f.kind, f.confidence, f.note) == (DYN, L, "runs file 'pkg/version.py'")


def test_exec_of_compile_is_reported_once_at_compile():
    a = src("exec(compile(\"import socket\\nsocket.getaddrinfo('h', 1)\", '<s>', 'exec'))\n")
    f = one(a, "socket.getaddrinfo", 1)
    assert (f.column, f.note) == (6, "in payload (constant string, depth 1), payload line 2")
    assert len(a.findings) == 1


def test_re_compile_and_a_method_named_exec_are_not_code_runners():
    a = src("import re\nP = re.compile(x)\ncursor.execute(q)\nobj.exec(q)\nobj.eval(e)\n")
    assert a.findings == ()


@pytest.mark.parametrize("text, selected", [
    (b"import sys\nsys.modules['soc' + 'ket']\n", True), (b"x = globals()['y']\n", True),
    (b"import os, \\\n    socket\n", True), (b"from \\\n  urllib.request import urlopen\n", True),
    (b"exec 'import socket'\n", True),
    # decoders alone lead nowhere: only with an importer or a code runner, which select the file themselves
    (b"from base64 import b32decode\n", False), (b"import zlib\nzlib.decompress(b)\n", False),
    (b"from base64 import urlsafe_b64decode\n", False),
    (b'"""Talks http over a socket."""\nimport os\n', False),
])
def test_prefilter_selects_every_file_the_analyzer_could_flag(text, selected):
    from egress.catalog import load_catalog
    from egress.model import Ecosystem
    from egress.prefilter import PreFilter

    assert PreFilter(load_catalog(Ecosystem.NPM), load_catalog(Ecosystem.PYPI)).wants("m.py", text) is selected
    if not selected:
        assert src(text.decode()).findings == ()


def test_self_referencing_rebinding_is_not_constant_and_not_over_budget():
    a = src("x = 'soc'\nx = x + 'ket'\n__import__(x)\n")
    f = one(a, "__import__", 3)
    assert (f.kind, f.note) == (DYN, "x")


def test_compiled_code_bound_to_a_name_is_reported_at_compile_only():
    a = src("co = compile(src, 'f', 'exec')\nexec(co)\n")
    assert triples(a) == {(CODE, "compile", 1)}


def test_exec_of_a_file_read_through_with_open():
    a = src("def run(name):\n    with open(name) as f:\n        exec(f.read(), {})\n")
    f = one(a, "exec", 3)
    assert (f.kind, f.confidence, f.note) == (DYN, L, "runs file name")


def test_getattr_of_a_constant_family_is_not_a_computed_network_attribute():
    a = src("import ssl\ndef proto(v):\n    return getattr(ssl, 'PROTOCOL_' + v)\n")
    assert triples(a) == {(FindingKind.IMPORT_ONLY, "ssl", 1)}


def test_python2_payload_is_read_by_tree_sitter():
    a = src("exec(\"import urllib2\\nprint 'x'\\nurllib2.urlopen('u')\\n\")\n")
    f = one(a, "urllib2.urlopen", 1)
    assert f.note == "in payload (constant string, depth 1), payload line 3"
