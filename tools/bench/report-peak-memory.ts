// Preloaded into each benchmarked process (`node --import`): writes the process's peak resident
// memory, in KiB, to the file named by BENCH_PEAK_MEMORY_FILE when it exits.
import { writeFileSync } from "node:fs";

const target = process.env.BENCH_PEAK_MEMORY_FILE;
if (target !== undefined) {
  process.on("exit", () => {
    writeFileSync(target, String(process.resourceUsage().maxRSS));
  });
}
