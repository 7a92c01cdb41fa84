"""The train/dev/test split rule, by source site, so that no document (or site) is in two splits.

A report passage goes to a split by its registrable site (``xxx.gov.cn`` for government
hosts, the last two labels otherwise; a bare IP stays as it is): ``sha1(site) % 10`` in
{0, 1} -> test, {2, 3} -> dev, else train.  The five seeds are dev (the team reads them
while building rules, so they cannot be test).  Every passage of one site shares a split.
"""

from __future__ import annotations

import hashlib


def site(domain: str) -> str:
    d = domain.lower().strip()
    if d.startswith("www."):
        d = d[4:]
    if d.replace(".", "").isdigit():
        return d
    parts = d.split(".")
    if d.endswith(".gov.cn") and len(parts) >= 3:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def split_of_domain(domain: str) -> str:
    h = int(hashlib.sha1(site(domain).encode("utf-8")).hexdigest(), 16) % 10
    return "test" if h < 2 else "dev" if h < 4 else "train"


def split_of(source: str, domain: str | None = None) -> str:
    """Split of a stand-off record by its ``source`` (and the passage's domain)."""
    if source.startswith("seeds/"):
        return "dev"
    if domain is None:
        raise ValueError(f"a corpus passage needs its domain to be split: {source}")
    return split_of_domain(domain)
