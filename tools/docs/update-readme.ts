// `pnpm docs:config`: rewrites the README's config reference from the schema.
import { readFile, writeFile } from "node:fs/promises";
import { REPOSITORY_ROOT } from "../mock/run-stack.ts";
import { withReference } from "./config-reference.ts";

const path = `${REPOSITORY_ROOT}README.md`;
await writeFile(path, await withReference(await readFile(path, "utf8"), path));
process.stdout.write(`updated the config reference in ${path}\n`);
