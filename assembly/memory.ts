// Host-visible allocation: the host asks the core for buffers it then fills
// (packets, keys, parameters). Hot paths never allocate; these are for setup.

export function alloc(size: usize): usize {
  return heap.alloc(size);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}
