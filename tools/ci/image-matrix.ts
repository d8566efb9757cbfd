// `node tools/ci/image-matrix.ts`: the checks' image matrix, one row per catalog service, as the
// line the `catalog` job appends to $GITHUB_OUTPUT (`images=[{"name":…,"dockerfile":…,"env":…}]`):
// the image to build and the env its start check runs it with. Reads the catalog and the contract
// alone, so it runs before any install.
import { imageJobs } from "./image-start-env.ts";

process.stdout.write(`images=${JSON.stringify(imageJobs())}\n`);
