// States shared between `Poller` (event-loop thread) and `poll-worker.ts`.
export const ARMED = 0;
export const READY = 1;
export const STOP = 2;
