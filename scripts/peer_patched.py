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
the script as `python3 PEER_SCRIPT ARGS...` would, so the peers' own code
measures the peers on these extracts too."""
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
    sys.argv = [script] + sys.argv[2:]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
