// States shared between `Poller` (event-loop thread) and `poll-worker.ts`.
export const ARMED = 0;
export const READY = 1;
export const STOP = 2;
/** the worker has left poll(2) for good: the descriptor may be closed */
export const DONE = 3;
