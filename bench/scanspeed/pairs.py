#!/usr/bin/env python3
"""Compare a Hallmark scan and an osv-scanner scan of the synthetic SBOM per (package,
advisory ID) pair and put every difference into a class, with one example per class.

usage: pairs.py HALLMARK_JSON OSV_JSON CORPUS_DIR [--rows OUT_TSV] [--reference]

HALLMARK_JSON is 'hallmark scan --format json' (findings are expanded to every advisory ID they
list), OSV_JSON is 'osv-scanner scan source --format json', CORPUS_DIR the bench/genosv bucket
layout (<Ecosystem>/all.zip) both were given. A package is (ecosystem, name, version): the
ecosystem without its release suffix, names as the ecosystem compares them, Go versions
without "v". Each differing pair is checked against the advisory itself with a reference
evaluation of the OSV rules (bench/genosv writes every version as a numeric x.y.z followed by
a suffix that is the same for all versions of an ecosystem release, so x.y.z decides the
order); the class says which rule the two tools apply differently and whether the reference
agrees with the tool that reports the pair. With --reference every advisory of the corpus is
evaluated against every package (about a minute), which also counts the pairs both tools miss.
OSV_JSON should come from a run with --all-packages, so that packages without findings are
told apart from packages osv-scanner did not scan. Exit status 0 always: the report is the
product, not a verdict.
"""

import json
import os
import re
import sys
import zipfile
from collections import defaultdict

# Names are compared as in the real-lockfile comparison (PEP 503 for PyPI, case-insensitive for
# NuGet and Packagist).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "agreement"))
from compare import norm_name  # noqa: E402


def norm_version(eco, version):
    if eco == "Go" and version.startswith("v"):
        return version[1:]
    return version


def base(eco):
    return eco.split(":", 1)[0]


def hallmark_pairs(doc):
    """Returns {pair: release ecosystem} and {package key: (release ecosystem, purl)} for the
    whole inventory."""
    pkgs = {}
    for p in (doc.get("inventory") or {}).get("packages") or []:
        eco = p.get("ecosystem") or ""
        k = (eco, norm_name(eco, p["name"]), norm_version(eco, p.get("version") or ""))
        rel = (p.get("properties") or {}).get("hallmark:os:ecosystem", eco)
        pkgs[k] = (rel, p.get("purl") or "")
    pairs = set()
    for f in doc.get("findings") or []:
        pkg = f["package"]
        eco = pkg.get("ecosystem") or ""
        k = (eco, norm_name(eco, pkg["name"]), norm_version(eco, pkg.get("version") or ""))
        for a in f.get("advisories") or [f["id"]]:
            pairs.add(k + (a,))
    return pairs, pkgs


def osv_pairs(doc):
    pairs, pkgs = set(), {}
    for r in doc.get("results") or []:
        for p in r.get("packages") or []:
            pkg = p["package"]
            eco = base(pkg.get("ecosystem") or "")
            k = (eco, norm_name(eco, pkg["name"]), norm_version(eco, pkg.get("version") or ""))
            pkgs[k] = pkg.get("ecosystem") or ""
            for v in p.get("vulnerabilities") or []:
                pairs.add(k + (v["id"],))
    return pairs, pkgs


class Corpus:
    """Reads advisories from the bucket zips on demand."""

    def __init__(self, root):
        self.zips = {}
        for d in sorted(os.listdir(root)):
            path = os.path.join(root, d, "all.zip")
            if os.path.exists(path):
                self.zips[d] = zipfile.ZipFile(path)

    def get(self, eco, vid):
        z = self.zips.get(eco)
        if z is None:
            return None
        try:
            return json.loads(z.read(vid + ".json"))
        except KeyError:
            return None


def key(v):
    """The numeric release of a synthetic version ("0" sorts first)."""
    m = re.match(r"v?(\d+)\.(\d+)\.(\d+)", v)
    if m:
        return tuple(int(x) for x in m.groups())
    return (-1,) if v == "0" else None


def in_range(rng, v, use_limit=True):
    """Reference evaluation of one SEMVER/ECOSYSTEM range (OSV schema, "Evaluation"); with
    use_limit false, limit events are ignored (as osv-scanner does)."""
    x = key(v)
    evs = []
    for e in rng.get("events") or []:
        for kind in ("introduced", "fixed", "last_affected"):
            if kind in e:
                evs.append((key(e[kind]), kind))
    evs.sort(key=lambda t: (t[0], t[1] != "introduced"))
    affected = False
    for at, kind in evs:
        if kind == "introduced" and x >= at:
            affected = True
        elif kind == "fixed" and x >= at:
            affected = False
        elif kind == "last_affected" and x > at:
            affected = False
    limits = [key(e["limit"]) for e in rng.get("events") or [] if "limit" in e]
    if use_limit and limits and all(x >= l for l in limits):
        return False
    return affected


def affects(adv, pkg, use_limit=True, any_release=False, exact_name=None):
    """Whether adv affects pkg = (ecosystem, normalised name, version, release ecosystem) under
    the OSV rules, or under one of osv-scanner's departures from them: use_limit false ignores
    limit events, any_release matches an entry of any release of the distribution, exact_name
    compares the entry's name as written with that string instead of normalising both."""
    eco, name, version, rel = pkg
    if adv.get("withdrawn"):
        return False
    for a in adv.get("affected") or []:
        p = a.get("package") or {}
        if base(p.get("ecosystem", "")) != eco:
            continue
        if exact_name is not None and p.get("name") != exact_name:
            continue
        if norm_name(eco, p.get("name", "")) != name:
            continue
        if not any_release and p.get("ecosystem") != rel:
            continue
        if any(key(x) == key(version) for x in a.get("versions") or []):
            return True
        for r in a.get("ranges") or []:
            if r.get("type") in ("SEMVER", "ECOSYSTEM") and in_range(r, version, use_limit):
                return True
    return False


def classify(tool, adv, pkg, osv_eco, osv_name):
    """Names the rule that makes the two tools differ on (pkg, adv), and whether the OSV rules
    agree with the tool that reports the pair."""
    if adv is None:
        return "advisory not in the corpus", None
    ref = affects(adv, pkg)
    if tool == "hallmark":
        if osv_eco is None:
            cls = "package without an ecosystem in osv-scanner (not scanned)"
        elif osv_name is not None and not affects(adv, pkg, exact_name=osv_name):
            cls = "advisory names the package in another spelling"
        else:
            cls = "other"
    else:
        no_limit = affects(adv, pkg, use_limit=False)
        any_rel = affects(adv, pkg, any_release=True)
        if no_limit and any_rel:
            cls = "limit ignored, or an entry of another release"
        elif no_limit:
            cls = "limit ignored"
        elif any_rel:
            cls = "entry of another release"
        elif affects(adv, pkg, use_limit=False, any_release=True):
            cls = "limit ignored in an entry of another release"
        else:
            cls = "other"
    return cls, ref


def reference_pairs(corpus, pkgs):
    """Evaluates every advisory of the corpus against every package of the inventory with
    the OSV rules (slow: reads all advisories)."""
    by_name = defaultdict(list)
    for k, (rel, _) in pkgs.items():
        by_name[k[:2]].append(k + (rel,))
    out = set()
    for eco, z in corpus.zips.items():
        for info in z.infolist():
            adv = json.loads(z.read(info))
            names = {(eco, norm_name(eco, (a.get("package") or {}).get("name", ""))) for a in adv.get("affected") or []}
            for n in names:
                for pkg in by_name.get(n, ()):
                    if affects(adv, pkg):
                        out.add(pkg[:3] + (adv["id"],))
    return out


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    hm_pairs, hm_pkgs = hallmark_pairs(json.load(open(argv[1])))
    osv_doc = json.load(open(argv[2]))
    osv_pairs_, osv_pkgs = osv_pairs(osv_doc)
    osv_names = {}
    for r in osv_doc.get("results") or []:
        for p in r.get("packages") or []:
            pkg = p["package"]
            eco = base(pkg.get("ecosystem") or "")
            osv_names[(eco, norm_name(eco, pkg["name"]), norm_version(eco, pkg.get("version") or ""))] = pkg["name"]
    corpus = Corpus(argv[3])

    both = hm_pairs & osv_pairs_
    print(f"pairs: hallmark {len(hm_pairs)}, osv-scanner {len(osv_pairs_)}, both {len(both)}, "
          f"hallmark only {len(hm_pairs - osv_pairs_)}, osv-scanner only {len(osv_pairs_ - hm_pairs)}")
    print(f"packages with a pair: hallmark {len({p[:3] for p in hm_pairs})}, "
          f"osv-scanner {len({p[:3] for p in osv_pairs_})}; "
          f"packages listed: hallmark {len(hm_pkgs)}, osv-scanner {len(osv_pkgs)}")
    bad = 0
    for pair in both:
        rel = hm_pkgs.get(pair[:3], (pair[0], ""))[0]
        adv = corpus.get(pair[0], pair[3])
        if adv is None or not affects(adv, pair[:3] + (rel,)):
            bad += 1
    print(f"pairs both report that the OSV rules do not: {bad}")

    if "--reference" in argv:
        ref = reference_pairs(corpus, hm_pkgs)
        print(f"pairs the OSV rules give (every advisory evaluated): {len(ref)}; "
              f"hallmark misses {len(ref - hm_pairs)}, adds {len(hm_pairs - ref)}; "
              f"osv-scanner misses {len(ref - osv_pairs_)}, adds {len(osv_pairs_ - ref)}")

    classes = defaultdict(list)
    rows = []
    for tool, mine, other in (("hallmark", hm_pairs, osv_pairs_), ("osv-scanner", osv_pairs_, hm_pairs)):
        for pair in sorted(mine - other):
            eco, name, version, vid = pair
            rel, purl = hm_pkgs.get(pair[:3], (eco, "/".join(pair[:3])))
            cls, right = classify(tool, corpus.get(eco, vid), pair[:3] + (rel,),
                                  osv_pkgs.get(pair[:3]), osv_names.get(pair[:3]))
            verdict = {True: tool, False: ("osv-scanner" if tool == "hallmark" else "hallmark"), None: "?"}[right]
            classes[(tool + " only", cls, verdict)].append((purl, vid))
            rows.append((tool, eco, name, version, vid, cls, verdict))

    print("\n| reported by | class | OSV rules side with | pairs | example |")
    print("|---|---|---|---|---|")
    for (tool, cls, verdict), items in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        purl, vid = items[0]
        print(f"| {tool} | {cls} | {verdict} | {len(items)} | {vid} on {purl} |")

    if "--rows" in argv:
        with open(argv[argv.index("--rows") + 1], "w") as w:
            w.write("tool\tecosystem\tpackage\tversion\tadvisory\tclass\tOSV rules side with\n")
            for r in rows:
                w.write("\t".join(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
