// The CLI's start-up as it was before the start-up change of issue #7 item 3, for a before/after
// comparison in the same run (cold start section): the old bin/acme-godaddy imported
// dist/src/main.js with V8's default WebAssembly tiering, and the old src/cli/run.ts imported the
// help texts and the client conventions (clients.ts, which pulls in the domain-name code and the
// public suffix list) statically, for every command. Loading those two first, then main.js, gives
// exactly the old module graph; nothing else differs (same dist/, same arguments).
//
//   node dist/scripts/bench/entry-before.js <acme-godaddy arguments…>

await import('../../src/cli/help.js');
await import('../../src/cli/clients.js');
await import('../../src/main.js');
