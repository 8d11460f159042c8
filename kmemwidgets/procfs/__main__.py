"""Command line: ``python -m kmemwidgets.procfs show [--proc DIR]``."""
from __future__ import annotations

import argparse
import sys

from .snapshot import HostSnapshot, snapshot_host


def format_snapshot(snap: HostSnapshot, top: int = 10) -> str:
    """A plain-text view of a host snapshot."""
    out = [f"kernel {snap.kernel}"]
    if snap.buddyinfo:
        out.append("\n/proc/buddyinfo: free blocks per order")
        for z in snap.buddyinfo.zones:
            out.append(f"  node {z.node} {z.name:>8}: " + " ".join(f"{n:>6}" for n in z.nr_free)
                       + f"   = {z.free_pages} pages free")
    if snap.pagetypeinfo:
        p = snap.pagetypeinfo
        out.append(f"\n/proc/pagetypeinfo: pageblock order {p.pageblock_order}, "
                   f"{p.pages_per_block} pages per block")
        for (node, zone), counts in p.blocks.items():
            out.append(f"  node {node} {zone:>8}: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    if snap.zoneinfo:
        out.append("\n/proc/zoneinfo: zones")
        for z in snap.zoneinfo.zones:
            if not z.present:
                out.append(f"  node {z.node} {z.name:>8}: empty")
                continue
            out.append(f"  node {z.node} {z.name:>8}: pfn {z.start_pfn:#x}-{z.end_pfn:#x} "
                       f"managed {z.managed} free {z.free} watermarks min/low/high "
                       f"{z.min}/{z.low}/{z.high}")
    if snap.slabinfo:
        rows = sorted(snap.slabinfo.rows, key=lambda r: r.slab_bytes(), reverse=True)[:top]
        out.append(f"\n/proc/slabinfo: {len(snap.slabinfo.rows)} caches, largest {len(rows)}")
        for r in rows:
            out.append(f"  {r.name:<24} {r.active_objs:>8}/{r.num_objs:<8} objs of {r.objsize:>5} B, "
                       f"{r.num_slabs} slabs x {r.pagesperslab} pages")
    if snap.vmallocinfo:
        v = snap.vmallocinfo
        out.append(f"\n/proc/vmallocinfo: {len(v.areas)} areas, {v.total_pages} pages; top callers")
        for caller, (n, size, pages) in sorted(v.by_caller().items(), key=lambda kv: -kv[1][1])[:top]:
            out.append(f"  {caller:<44} {n:>5} areas {size:>12} B {pages:>7} pages")
    for name, err in snap.errors.items():
        out.append(f"\ncould not read {name}: {err}")
    for name, warns in snap.warnings().items():
        for w in warns:
            out.append(f"warning: {name}: {w}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns 0 if at least one file was read, 1 otherwise."""
    ap = argparse.ArgumentParser(prog="python -m kmemwidgets.procfs")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("show", help="print this machine's allocator snapshot")
    s.add_argument("--proc", default="/proc", help="directory holding the files")
    s.add_argument("--top", type=int, default=10)
    args = ap.parse_args(argv)
    snap = snapshot_host(args.proc)
    sys.stdout.write(format_snapshot(snap, args.top))
    return 0 if len(snap.errors) < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
