"""``pypi:`` spec parsing: names kept as spelled, PEP 440 specifiers, hash pins, one-line errors."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet

from egress.errors import SpecError
from egress.sources.pypi_spec import PypiSpec, parse_pypi_spec

H1 = "8d27375329ed7ff38755f7b6d4658b28edc147cadf40338a63a0da8133469d60"
H2 = "899d8fb5f8c2555213aea95efca02934c7343df6ace9d7628a5176b176906267"


@pytest.mark.parametrize("text, expected", [
    ("pypi:requests==2.32.3", PypiSpec("requests", SpecifierSet("==2.32.3"))),
    ("pypi:requests", PypiSpec("requests", SpecifierSet(""))),
    ("pypi:rfc3986<2.0.0", PypiSpec("rfc3986", SpecifierSet("<2.0.0"))),
    ("pypi:Typing_Extensions>=4,<5", PypiSpec("Typing_Extensions", SpecifierSet(">=4,<5"))),
    ("pypi:requests[socks]==2.32.3", PypiSpec("requests", SpecifierSet("==2.32.3"))),
    ("ntplib===0.4.0", PypiSpec("ntplib", SpecifierSet("===0.4.0"))),
    (f"pypi:ntplib==0.4.0 --hash=sha256:{H1.upper()} --hash sha256:{H2}",
     PypiSpec("ntplib", SpecifierSet("==0.4.0"), (f"sha256:{H1}", f"sha256:{H2}"))),
])
def test_valid_specs(text, expected):
    assert parse_pypi_spec(text) == expected


def test_normalized_name_and_pin():
    spec = parse_pypi_spec("pypi:Typing.Extensions==4.12.2")
    assert spec.name == "Typing.Extensions"
    assert spec.normalized == "typing-extensions"
    assert spec.pinned_version == "4.12.2"
    assert parse_pypi_spec("pypi:x==1.*").pinned_version is None
    assert parse_pypi_spec("pypi:x>=1").pinned_version is None
    assert str(parse_pypi_spec("pypi:x>=1")) == "pypi:x>=1"


def test_hashes_passed_separately():
    spec = parse_pypi_spec("pypi:ntplib==0.4.0", hashes=(f"SHA256:{H1}",))
    assert spec.hashes == (f"sha256:{H1}",)


@pytest.mark.parametrize("text, message", [
    ("pypi:", "empty PyPI spec 'pypi:'"),
    ("pypi:foo @ https://example.test/foo.tar.gz",
     "VCS and URL requirements are not supported: foo @ https://example.test/foo.tar.gz; "
     "scan the file or folder itself"),
    ("pypi:git+https://example.test/foo.git@v1",
     "VCS and URL requirements are not supported: git+https://example.test/foo.git@v1; "
     "scan the file or folder itself"),
    ("pypi:requests==notaversion", "malformed PyPI spec 'pypi:requests==notaversion': not a version: notaversion"),
    ("pypi:requests[socks]>=2,<x.y", "malformed PyPI spec 'pypi:requests[socks]>=2,<x.y': not a version: x.y"),
    ("pypi:foo~=1", "malformed PyPI spec 'pypi:foo~=1': not a valid version specifier: ~=1"),
    ("pypi:foo==", "malformed PyPI spec 'pypi:foo==': no version after =="),
    ("pypi:foo==1; python_version<'3'", "environment markers are not allowed in a command-line spec: "
                                         "\"pypi:foo==1; python_version<'3'\""),
    ("pypi:foo==1 --hash=md5:abc", "unsupported hash 'md5:abc' in pypi:foo==1 --hash=md5:abc (use sha256:<hex>)"),
    ("pypi:foo==1 --hash=sha256:abc", "malformed sha256 hash 'sha256:abc' in pypi:foo==1 --hash=sha256:abc"),
    ("pypi:foo==1 --index-url x", "unsupported option '--index-url' in PyPI spec 'pypi:foo==1 --index-url x'"),
    ("pypi:foo==1 --hash", "malformed --hash option in PyPI spec 'pypi:foo==1 --hash'"),
])
def test_bad_specs_are_one_line_spec_errors(text, message):
    with pytest.raises(SpecError) as info:
        parse_pypi_spec(text)
    assert str(info.value) == message


def test_garbage_names_the_spec_on_one_line():
    with pytest.raises(SpecError) as info:
        parse_pypi_spec("pypi:foo bar")
    # the tail is packaging's own wording, which changes between its releases
    assert str(info.value).startswith("malformed PyPI spec 'pypi:foo bar': ")
    assert "\n" not in str(info.value)


def test_arbitrary_equality_takes_any_string():
    # === compares strings: "notaversion" is a valid pin there, and stays accepted
    assert str(parse_pypi_spec("pypi:foo===notaversion")) == "pypi:foo===notaversion"
