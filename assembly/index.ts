// The ABI the host sees. Each area keeps its exports in its own file.
export { alloc, free } from "./memory";
export * from "./cga/exports";
export * from "./cga/primitives-exports";
export * from "./mh/exports";
export * from "./dar/exports";
export * from "./mn/exports";
export * from "./nd/exports";
