// A NetScope (host/net/ip.ts) around one e2e test: whatever the test made in it (namespaces,
// links, processes) is undone however the test ends, and then the test checks that the
// namespaces it names are gone.
import assert from "node:assert/strict";
import { NetScope, netnsList } from "../../host/net/ip.js";

/** Runs `body` in a fresh scope labelled `label`; afterwards none of `namespaces` is left. */
export async function withNetScope(label: string, namespaces: readonly string[], body: (scope: NetScope) => Promise<void>): Promise<void> {
  const scope = new NetScope(label);
  try {
    await body(scope);
  } finally {
    await scope.close();
  }
  const left = (await netnsList()).filter((n) => namespaces.includes(n));
  assert.deepEqual(left, [], "namespaces removed");
}
