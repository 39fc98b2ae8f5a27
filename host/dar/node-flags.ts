// The node options `fama dar` is started with wherever fama starts it (the OpenWrt wrapper
// openwrt/fama/files/fama.sh, the lab, the load bench). V8 reads them only at process start
// (v8.setFlagsFromString after start leaves the young generation's size as it was), so they are
// on the command line, not set by the daemon itself.
//
// --max-semi-space-size=1: V8's young generation grows its two semi-spaces to 8 MB each under
// the daemon's steady allocation (control requests, binding events, log lines) and keeps them;
// capped at 1 MB they cost 2 MB. Measured with `npm run bench load -- --memory 10000`: RSS
// at 10k bindings 91.2 MB without, 82.0 MB with (docs/OPERATIONS.md, "Memory").
export const DAR_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1"];
