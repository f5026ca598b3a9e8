"""Destination classes and kinds, from the address and the reviewed table."""

from __future__ import annotations

import pytest

from egress.destinations import parse_destination, suspicious_reasons


@pytest.mark.parametrize("text, classes, suspicious", [
    ("http://localhost:3000/", ("loopback",), []),
    ("http://127.0.0.1:8080/x", ("ip-literal", "loopback"), []),
    ("10.0.0.5:5432", ("ip-literal", "private"), ["ip-literal"]),
    ("https://203.0.113.7/c", ("ip-literal", "public"), ["ip-literal"]),
    ("http://169.254.169.254/latest/meta-data/", ("ip-literal", "link-local", "cloud-metadata"), ["cloud-metadata"]),
    ("https://registry.npmjs.org/<dynamic>", ("public", "package-registry"), []),
    ("https://discord.com/api/webhooks/1/abc", ("public", "webhook"), ["webhook"]),
    ("https://discord.com/invite/x", ("public",), []),
    ("https://abc.ngrok-free.app/x", ("public", "tunnel"), ["tunnel"]),
    ("https://pastebin.com/raw/x", ("public", "paste"), ["paste"]),
    ("https://raw.githubusercontent.com/o/r/main/x.sh", ("public", "code-hosting"), []),
    ("https://api.example.com/v1/<dynamic>", ("public",), []),
    ("<dynamic>", ("dynamic-host",), []),
])
def test_classes_and_suspicion(text: str, classes: tuple[str, ...], suspicious: list[str]) -> None:
    dest = parse_destination(text, known="partial" if "<dynamic>" in text else "full")
    assert dest.classes == classes
    assert suspicious_reasons(dest) == suspicious


def test_host_and_port_parsed() -> None:
    dest = parse_destination("https://api.example.com:8443/v1")
    assert (dest.scheme, dest.host, dest.port) == ("https", "api.example.com", 8443)
    assert parse_destination("pool.ntp.org:123").port == 123


def test_a_host_built_from_data_is_suspicious() -> None:
    import dataclasses

    dest = dataclasses.replace(parse_destination("https://<dynamic>.attacker.example/", known="partial"),
                               note="host built from data")
    assert suspicious_reasons(dest) == ["host built from data"]


@pytest.mark.parametrize(("url", "classes"), [
    ("http://3232235777/a", ("ip-literal", "private")),       # 192.168.1.1 as one number
    ("http://0x7f000001/c", ("ip-literal", "loopback")),      # 127.0.0.1 in hex
    ("http://0177.0.0.1/", ("ip-literal", "loopback")),       # octal first part
    ("http://127.1/", ("ip-literal", "loopback")),            # the last part fills the rest
    ("http://10.0.0.256/", ("public",)),                      # not an address: a name
])
def test_ipv4_written_as_url_parsers_read_it(url: str, classes: tuple[str, ...]) -> None:
    assert parse_destination(url).classes == classes


def test_a_bracketed_host_built_at_run_time_is_a_dynamic_host() -> None:
    """`'http://[' + address + ']/'`: never an error (urlsplit refuses a bracketed non-address)."""
    dest = parse_destination("http://[<dynamic>]:8080/x", "partial")
    assert (dest.scheme, dest.host, dest.classes) == ("http", "<dynamic>", ("dynamic-host",))
