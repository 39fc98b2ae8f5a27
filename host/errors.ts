// Errors the CLI turns into a clear one-line message and an exit code.

/** Bad command-line or config input: exit 2. */
export class UsageError extends Error {}

/** Input that was understood but is wrong (a bad file, an invalid value): exit 1. */
export class InputError extends Error {}
