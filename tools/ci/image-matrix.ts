// `node tools/ci/image-matrix.ts`: the checks' image matrix, one row per catalog service, as the
// line the `catalog` job appends to $GITHUB_OUTPUT (`images=[{"name":…,"dockerfile":…}]`). Reads
// the catalog alone, so it runs before any install.
import { imageMatrix } from "../../stacks/service-catalog.ts";

process.stdout.write(`images=${JSON.stringify(imageMatrix())}\n`);
