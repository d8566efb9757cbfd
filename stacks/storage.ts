// The storage tier: the S3 asset bucket behind Cloudflare.
import { cloudflare } from "../infra/sdk/cloudflare.ts";
import { AssetBucket } from "../infra/storage/asset-bucket.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { Foundation } from "./foundation.ts";

export interface StorageTier {
  assets: AssetBucket;
}

export function buildStorage(config: PlatformConfig, foundation: Foundation): StorageTier {
  const cloudflareRanges = cloudflare.getIpRangesOutput({});
  const assets = new AssetBucket(
    "assets",
    {
      bucketName: config.domain.assetsHost,
      // The bucket's regional endpoint answers over IPv4 only, so Cloudflare reaches it from
      // its IPv4 ranges; naming no IPv6 range also keeps the policy narrow enough to be private.
      readerCidrs: cloudflareRanges.ipv4Cidrs,
      corsOrigins: [`https://${config.domain.appHost}`],
      noncurrentVersionExpirationDays: config.assets.noncurrentVersionExpirationDays,
      protect: foundation.production,
    },
    { providers: { aws: foundation.awsProvider } },
  );
  return { assets };
}
