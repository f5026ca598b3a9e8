"""parse_npm_spec: names and selectors checked before anything is fetched."""

from __future__ import annotations

import pytest

from egress.errors import SpecError
from egress.sources.npm_spec import NpmSpec, SelectorKind, exact_version, parse_npm_spec


@pytest.mark.parametrize("text, name, selector, kind", [
    ("npm:axios", "axios", "latest", SelectorKind.TAG),
    ("npm:axios@1.7.2", "axios", "1.7.2", SelectorKind.VERSION),
    ("npm:@hapi/wreck@18.1.0", "@hapi/wreck", "18.1.0", SelectorKind.VERSION),
    ("npm:@hapi/wreck", "@hapi/wreck", "latest", SelectorKind.TAG),
    ("npm:got@^14", "got", "^14", SelectorKind.RANGE),
    ("npm:got@>=1 <2", "got", ">=1 <2", SelectorKind.RANGE),
    ("npm:got@~1.2", "got", "~1.2", SelectorKind.RANGE),
    ("npm:got@1.x || 2", "got", "1.x || 2", SelectorKind.RANGE),
    ("npm:got@*", "got", "*", SelectorKind.RANGE),
    ("npm:ws@latest", "ws", "latest", SelectorKind.TAG),
    ("npm:ws@next-11", "ws", "next-11", SelectorKind.TAG),
    ("npm:react@19.0.0-rc.1", "react", "19.0.0-rc.1", SelectorKind.VERSION),
    ("npm:JSONStream@1.3.5", "JSONStream", "1.3.5", SelectorKind.VERSION),   # old packages may be upper case
    ("npm:lodash.get@4.4.2", "lodash.get", "4.4.2", SelectorKind.VERSION),
])
def test_valid_specs(text, name, selector, kind):
    spec = parse_npm_spec(text)
    assert spec == NpmSpec(name, selector)
    assert spec.kind is kind


def test_spec_round_trips_as_text():
    assert str(parse_npm_spec("npm:@hapi/wreck@18.1.0")) == "npm:@hapi/wreck@18.1.0"
    assert str(parse_npm_spec("npm:kleur")) == "npm:kleur@latest"


def test_exact_version_is_normalised():
    assert exact_version("v1.2.3") == "1.2.3"
    assert exact_version("^1.2.3") is None


@pytest.mark.parametrize("text, message", [
    ("axios@1.7.2", "not an npm spec (expected npm:<name>[@<version|range|tag>]): 'axios@1.7.2'"),
    ("pypi:requests", "not an npm spec (expected npm:<name>[@<version|range|tag>]): 'pypi:requests'"),
    ("npm:", "missing package name in npm spec 'npm:'"),
    ("npm:@1.0.0", "scoped npm package name must be @scope/name: '@1.0.0' in npm spec 'npm:@1.0.0'"),
    ("npm:axios@", "empty version after '@' in npm spec 'npm:axios@'"),
    ("npm:@scope@1.0.0", "scoped npm package name must be @scope/name: '@scope' in npm spec 'npm:@scope@1.0.0'"),
    ("npm:@scope/", "scoped npm package name must be @scope/name: '@scope/' in npm spec 'npm:@scope/'"),
    ("npm:@a/b/c", "invalid character in npm package name '@a/b/c' in npm spec 'npm:@a/b/c'"),
    ("npm:.hidden", "npm package name cannot start with '.': '.hidden' in npm spec 'npm:.hidden'"),
    ("npm:_private", "npm package name cannot start with '_': '_private' in npm spec 'npm:_private'"),
    ("npm:sp ace", "invalid character in npm package name 'sp ace' in npm spec 'npm:sp ace'"),
    ("npm:ev/il", "invalid character in npm package name 'ev/il' in npm spec 'npm:ev/il'"),
    ("npm:../etc", "invalid character in npm package name '../etc' in npm spec 'npm:../etc'"),
    ("npm:node_modules", "'node_modules' is a reserved name, not an npm package in npm spec 'npm:node_modules'"),
    ("npm:" + "a" * 215, "npm package name longer than 214 characters in npm spec 'npm:" + "a" * 215 + "'"),
    ("npm:foo@npm:bar@1", "not a version, range or dist-tag: 'npm:bar@1' in npm spec 'npm:foo@npm:bar@1'"),
    ("npm:foo@git+https://x/y.git",
     "not a version, range or dist-tag: 'git+https://x/y.git' in npm spec 'npm:foo@git+https://x/y.git'"),
    ("npm:foo@file:../foo", "not a version, range or dist-tag: 'file:../foo' in npm spec 'npm:foo@file:../foo'"),
])
def test_bad_specs_are_one_line_spec_errors(text, message):
    with pytest.raises(SpecError) as info:
        parse_npm_spec(text)
    assert str(info.value) == message
