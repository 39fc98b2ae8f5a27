#!/bin/sh
# /usr/bin/fama: fama's command line, the packaged JavaScript run by the router's node. The
# path is found from this script's own place, so an unpacked package also runs from any root.
exec node --disable-warning=ExperimentalWarning "$(dirname "$0")/../lib/fama/build/js/host/cli.js" "$@"
