// The ABI the host sees. Each area keeps its exports in its own file; exports are named by
// role (dar_*, mn_*), batch_* for the packet batch memory both roles share.
export { alloc, free } from "./memory";
export * from "./batch/exports";
export * from "./cga/exports";
export * from "./cga/primitives-exports";
export * from "./mh/exports";
export * from "./dar/exports";
export * from "./mn/exports";
export * from "./nd/exports";
export * from "./offload/exports";
