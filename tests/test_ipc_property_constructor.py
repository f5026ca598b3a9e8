"""A property whose value is a network class, called with arguments (severity review A5).

``self.connection_class(host, port)`` where ``connection_class`` is a method
taking only ``self`` (a ``@property``) constructs what the method returns:
the construction is the finding (with its destination), and the attribute
it is stored in holds an instance, whose mere references (``if
self.connection:``) are no "referenced, not called" findings.  Its methods
stay findings (``self.connection.sendmail``).  An unbound call on the class
(``Factory.maker(self)``) is a plain call and returns the class, as before.
"""

from __future__ import annotations

from pathlib import Path

from egress.analyzers.python import PythonAnalyzer
from egress.model import FindingKind, SourceFile

FIXTURE = Path(__file__).parent / "fixtures" / "ipc" / "py_property" / "mail_backend.py"


def test_the_property_call_is_the_construction_and_references_are_not_findings() -> None:
    result = PythonAnalyzer().analyze(SourceFile("mail_backend.py", FIXTURE.read_bytes()))
    assert result.error is None
    assert [(f.api, f.line, f.column, f.note, tuple(d.text for d in f.destinations))
            for f in result.findings if f.kind is FindingKind.NETWORK] == [
        ("smtplib.SMTP_SSL", 17, 27, "", ("<dynamic>:465",)),          # self.connection_class(self.host, 465)
        ("smtplib.SMTP.sendmail", 23, 9, "", ("<dynamic>",)),
        ("smtplib.SMTP", 41, 16, "", ("relay.example.org",)),           # Factory.maker(self)("relay…")
    ]
