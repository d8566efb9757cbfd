import { cloudflare } from "../sdk/cloudflare.ts";
import type * as pulumi from "@pulumi/pulumi";
import { PlatformComponent } from "../core/component.ts";

export interface ProxiedRecord {
  /** Hostname, e.g. `assets.example.com`. */
  name: string;
  /** Hostname the record points at; Cloudflare proxies to it. */
  target: pulumi.Input<string>;
  /** Why the record exists, shown in the Cloudflare dashboard. */
  comment: string;
}

export interface ProxiedRecordsArgs {
  zoneId: pulumi.Input<string>;
  records: ProxiedRecord[];
}

/**
 * Proxied CNAME records: visitors reach Cloudflare, never the origin's own address, so TLS, the
 * cache rules and the rate limit apply to every request.
 */
export class ProxiedRecords extends PlatformComponent {
  constructor(name: string, args: ProxiedRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge", "ProxiedRecords", name, opts);
    for (const record of args.records) {
      new cloudflare.DnsRecord(
        `${name}-${record.name.replaceAll(".", "-")}`,
        {
          zoneId: args.zoneId,
          name: record.name,
          type: "CNAME",
          content: record.target,
          proxied: true,
          // 1 is "automatic": proxied records are answered by Cloudflare itself.
          ttl: 1,
          comment: record.comment,
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
