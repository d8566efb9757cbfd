// `pnpm docs:update`: rewrites the README's generated sections (config reference, architecture diagram).
import { readFile, writeFile } from "node:fs/promises";
import { REPOSITORY_ROOT } from "../mock/run-stack.ts";
import { architectureDiagram, regeneratedReadme } from "./readme.ts";

const path = `${REPOSITORY_ROOT}README.md`;
const readme = await readFile(path, "utf8");
await writeFile(path, await regeneratedReadme(readme, path, await architectureDiagram()));
process.stdout.write(
  `updated the config reference, the service catalog and the architecture diagram in ${path}\n`,
);
