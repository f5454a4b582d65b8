#!/usr/bin/env python3
"""Normalise a Hallmark scan (hallmark.scan/v1 JSON) and an osv-scanner v2 scan (--format json
--all-packages) to rows (input file, ecosystem, package, version) -> advisory ID set, and print
every difference.

usage: compare.py HALLMARK_JSON OSV_JSON INPUTS_DIR [--rows OUT_TSV]

Names are compared as the ecosystem compares them (PEP 503 for PyPI, case-insensitive for NuGet
and Packagist, exact otherwise); versions are compared as written. Exit status 0 always: the
report is the product, not a verdict.
"""

import json
import os
import re
import sys
from collections import defaultdict


def norm_name(eco, name):
    if eco == "PyPI":
        return re.sub(r"[-_.]+", "-", name).lower()
    if eco in ("NuGet", "Packagist"):
        return name.lower()
    return name


def norm_version(eco, version):
    # Go module versions are written with a "v" by go.mod and Hallmark, without by osv-scanner;
    # composer.lock writes the tag ("v1.3.1") and osv-scanner keeps it, Hallmark drops the "v".
    # Both spellings name the same version in these ecosystems, so they are compared without it
    # (the spellings are counted in the report).
    if eco in ("Go", "Packagist") and re.match(r"^v[0-9]", version):
        return version[1:]
    return version


def rel(path, root):
    path = os.path.normpath(path)
    root = os.path.normpath(os.path.abspath(root))
    if os.path.isabs(path):
        try:
            return os.path.relpath(path, root)
        except ValueError:
            return path
    return path


def hallmark_rows(doc, root, spell):
    """Returns {key: set(ids)} for every versioned package of the inventory (empty set when no
    finding), key = (file, ecosystem, name, version), and the names as written."""
    rows = {}
    names = {}
    for p in (doc.get("inventory") or {}).get("packages") or []:
        eco, ver = p.get("ecosystem") or "", p.get("version") or ""
        if not eco or not ver or p.get("type") == "operating-system":
            continue
        for loc in p.get("locations") or [{"path": "?"}]:
            k = (rel(loc.get("path", "?"), root), eco, norm_name(eco, p["name"]), norm_version(eco, ver))
            rows.setdefault(k, set())
            names[k] = p["name"]
            spell[k] = ver
    for f in doc.get("findings") or []:
        pkg = f["package"]
        eco = pkg.get("ecosystem") or ""
        for loc in f.get("locations") or [{"path": "?"}]:
            k = (rel(loc.get("path", "?"), root), eco, norm_name(eco, pkg["name"]), norm_version(eco, pkg.get("version") or ""))
            rows.setdefault(k, set()).update(f.get("advisories") or [f["id"]])
            names.setdefault(k, pkg["name"])
    return rows, names


def osv_rows(doc, root, spell):
    rows = {}
    names = {}
    for r in doc.get("results") or []:
        path = rel(r["source"]["path"], root)
        for p in r.get("packages") or []:
            pkg = p["package"]
            eco = pkg.get("ecosystem") or ""
            k = (path, eco, norm_name(eco, pkg["name"]), norm_version(eco, pkg.get("version") or ""))
            spell[k] = pkg.get("version") or ""
            ids = rows.setdefault(k, set())
            names.setdefault(k, pkg["name"])
            for v in p.get("vulnerabilities") or []:
                ids.add(v["id"])
    return rows, names


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    hm_doc = json.load(open(argv[1]))
    osv_doc = json.load(open(argv[2]))
    root = argv[3]
    hm_spell, osv_spell = {}, {}
    hm, hm_names = hallmark_rows(hm_doc, root, hm_spell)
    osv, osv_names = osv_rows(osv_doc, root, osv_spell)

    if "--rows" in argv:
        out = argv[argv.index("--rows") + 1]
        with open(out, "w") as w:
            w.write("tool\tfile\tecosystem\tpackage\tversion\tadvisories\n")
            for tool, rows in (("hallmark", hm), ("osv-scanner", osv)):
                for k in sorted(rows):
                    w.write("\t".join((tool,) + k + (",".join(sorted(rows[k])),)) + "\n")

    keys = sorted(set(hm) | set(osv))
    both = [k for k in keys if k in hm and k in osv]
    adv_diff = [k for k in both if hm[k] != osv[k]]
    only_hm = [k for k in keys if k in hm and k not in osv]
    only_osv = [k for k in keys if k in osv and k not in hm]

    # Pair packages each tool saw under a different version string (same file and name).
    by_name = defaultdict(lambda: ([], []))
    for k in only_hm:
        by_name[k[:3]][0].append(k)
    for k in only_osv:
        by_name[k[:3]][1].append(k)

    def fmt(ids):
        return ", ".join(sorted(ids)) if ids else "-"

    n_hm = sum(len(v) for v in hm.values())
    n_osv = sum(len(v) for v in osv.values())
    print("# Hallmark vs osv-scanner: normalised results")
    print()
    print(f"packages (file, ecosystem, name, version): hallmark {len(hm)}, osv-scanner {len(osv)}, both {len(both)}")
    print(f"(package, advisory) pairs: hallmark {n_hm}, osv-scanner {n_osv}, "
          f"agreed {sum(len(hm[k] & osv[k]) for k in both)}")
    spelled = [k for k in both if hm_spell.get(k, k[3]) != osv_spell.get(k, k[3])]
    print(f"versions spelled differently but equal (compared without the leading v): {len(spelled)}"
          + (f", e.g. {spelled[0][2]} hallmark {hm_spell.get(spelled[0])!r} osv-scanner {osv_spell.get(spelled[0])!r}" if spelled else ""))
    print()
    print(f"## Same package, different advisories ({len(adv_diff)})")
    print()
    for k in adv_diff:
        f, eco, _, ver = k
        print(f"- {f}  {eco}  {hm_names.get(k, k[2])}@{ver}")
        print(f"    hallmark only:    {fmt(hm[k] - osv[k])}")
        print(f"    osv-scanner only: {fmt(osv[k] - hm[k])}")
    print()
    paired = {g: v for g, v in by_name.items() if v[0] and v[1]}
    print(f"## Same package, version written differently ({len(paired)})")
    print()
    for g, (hs, os_) in sorted(paired.items()):
        for h in hs:
            print(f"- {g[0]}  {g[1]}  {hm_names.get(h, g[2])}: hallmark {h[3]!r} [{fmt(hm[h])}]")
        for o in os_:
            print(f"  {'':{len(g[0])}}  {g[1]}  {osv_names.get(o, g[2])}: osv-scanner {o[3]!r} [{fmt(osv[o])}]")
    print()
    for title, ks, rows, nm in (("hallmark", only_hm, hm, hm_names), ("osv-scanner", only_osv, osv, osv_names)):
        ks = [k for k in ks if k[:3] not in paired]
        vuln = [k for k in ks if rows[k]]
        clean = [k for k in ks if not rows[k]]
        print(f"## Packages only {title} reports ({len(ks)}: {len(vuln)} with advisories)")
        print()
        for k in vuln:
            print(f"- {k[0]}  {k[1]}  {nm.get(k, k[2])}@{k[3]}: {fmt(rows[k])}")
        for k in clean:
            print(f"- {k[0]}  {k[1]}  {nm.get(k, k[2])}@{k[3]} (no advisories)")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
