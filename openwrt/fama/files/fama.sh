#!/bin/sh
# /usr/bin/fama: fama's command line, the packaged JavaScript run by the router's node. The
# path is found from this script's own place, so an unpacked package also runs from any root.
# The DAR daemon runs with a small young generation (host/dar/node-flags.ts says why); V8 takes
# it only on the command line.
cli="$(dirname "$0")/../lib/fama/build/js/host/cli.js"
if [ "${1:-}" = dar ]; then
	exec node --max-semi-space-size=1 --disable-warning=ExperimentalWarning "$cli" "$@"
fi
exec node --disable-warning=ExperimentalWarning "$cli" "$@"
