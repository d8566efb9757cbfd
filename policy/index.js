// Entry of the policy pack, in JavaScript on purpose. The CLI starts a Node.js pack through
// `@pulumi/pulumi/cmd/run-policy-pack`, which registers ts-node for every Node.js pack whatever
// PulumiPolicy.yaml says (`typeScript: !process.versions.bun` in its index.js: it ignores the
// `typescript` runtime option, which only `cmd/run` honours) and then `require()`s this directory's
// `main`. A `.ts` main would go through ts-node (the vendored 7.0.1 with this repository's
// TypeScript 6), which refuses the `.ts` import extensions the code uses (TS5097). This file is
// plain ESM: Node 24 loads it with `require(esm)` and strips the types of the `.ts` modules it
// imports itself, as for the program (Pulumi.yaml). test/policy/pack-entry.test.ts starts the pack this same way.
import "./pack.ts";
