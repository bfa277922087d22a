#!/usr/bin/env python3
"""Runs one of the peers' benchmark scripts (../shared/peers/bench) with
pbgraph's node loader fixed for clipped extracts.

usage: peer_patched.py PEER_SCRIPT [ARGS...]

On an extract clipped from a larger one (helsinki-center,
tiny-finnish-town) a way may reference nodes outside the extract. The
shared pbgraph.py registers such a node before reading its location, so the
way is skipped but the node stays without coordinates and the graph's
arrays no longer line up (IndexError later). pb_export.py holds the fix
(the location read first); this wrapper installs it in pbgraph, then runs
the script as `python3 PEER_SCRIPT ARGS...` would.

It also bounds pbgraph's sampler of origin-destination pairs around a
square: on an extract narrower than the square plus its margins (the
5 km square of bench_valhalla.py on helsinki-center or tiny-finnish-town)
no pair qualifies and the shared sampler loops for ever; here it stops
with a message instead. Nothing else changes: where the peers' scripts
cannot measure an extract, they fail and say why."""
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    script = os.path.abspath(sys.argv[1])
    sys.path.insert(0, os.path.dirname(script))
    sys.path.insert(0, HERE)
    from pb_export import _node  # the one copy of the fix
    import pbgraph  # the peers' own module (beside the script, or ../shared)

    pbgraph._H._node = _node
    sample = pbgraph.sample_od

    def bounded_sample_od(g, count, seed, side_m=None, margin_m=200.0):
        if side_m is not None:
            # The farthest pair of the network's nodes, by the sampler's own
            # measure, bounded by the bounding box: if even that is too
            # close, no pair ever qualifies.
            lat = [g.lat[v] for v in g.scc]
            lon = [g.lon[v] for v in g.scc]
            span = pbgraph.cheb_m(min(lat), min(lon), max(lat), max(lon))
            if span / 2 < side_m / 2 + margin_m:
                sys.exit(
                    f"peer_patched.py: this extract's network spans {span:.0f} m, too "
                    f"small for pairs around a {side_m:.0f} m square (pbgraph.sample_od "
                    "would loop for ever)"
                )
        return sample(g, count, seed, side_m, margin_m)

    pbgraph.sample_od = bounded_sample_od
    sys.argv = [script] + sys.argv[2:]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
