#!/usr/bin/env python3
"""Count and compare the packages of CycloneDX JSON documents by package URL.

    purls.py count BOM.json          one line: "<components> <unique> <per-type counts>"
    purls.py keys BOM.json           one normalised "type name version" key per line, sorted
    purls.py diff A.json B.json      keys only in A ("-") and only in B ("+")

Only components with a purl are counted. "count" leaves out components of CycloneDX type
"application" (hallmark records the scanned projects themselves, such as workspace members,
as applications; osv-scanner records some of them as libraries and others not at all);
"keys" and "diff" include them. Nested components are not read: neither tool writes them for
the inputs compared here.

Keys are normalised so that the two tools' spelling conventions do not count as differences:
percent-decoding, Go versions without the leading "v" (osv-scanner strips it), PyPI names per
PEP 503 (lower case, runs of "-_." as "-"). Qualifiers and subpaths are dropped.
"""
import json
import re
import sys
from collections import Counter
from urllib.parse import unquote


def components(bom, applications=False):
    for c in bom.get("components") or []:
        if c.get("type") == "application" and not applications:
            continue
        if c.get("purl"):
            yield c


def parse(purl):
    """Return (type, namespace/name, version) of a purl string."""
    s = purl
    if s.startswith("pkg:"):
        s = s[4:]
    s = s.split("#", 1)[0].split("?", 1)[0]
    typ, _, rest = s.partition("/")
    version = ""
    if "@" in rest:
        rest, version = rest.rsplit("@", 1)
    name = "/".join(unquote(p) for p in rest.strip("/").split("/"))
    return typ.lower(), name, unquote(version)


def key(purl):
    typ, name, version = parse(purl)
    if typ == "golang" and re.match(r"^v\d", version):
        version = version[1:]
    if typ == "pypi":
        name = re.sub(r"[-_.]+", "-", name).lower()
    return typ, name, version


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv):
    if len(argv) == 3 and argv[1] == "count":
        comps = list(components(load(argv[2])))
        uniq = {key(c["purl"]) for c in comps}
        per_type = Counter(k[0] for k in uniq)
        types = ", ".join(f"{t} {n}" for t, n in sorted(per_type.items(), key=lambda x: (-x[1], x[0])))
        print(len(comps), len(uniq), types or "-")
    elif len(argv) == 3 and argv[1] == "keys":
        for k in sorted({key(c["purl"]) for c in components(load(argv[2]), True)}):
            print(*k)
    elif len(argv) == 4 and argv[1] == "diff":
        a = {key(c["purl"]) for c in components(load(argv[2]), True)}
        b = {key(c["purl"]) for c in components(load(argv[3]), True)}
        for k in sorted(a - b):
            print("-", *k)
        for k in sorted(b - a):
            print("+", *k)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
