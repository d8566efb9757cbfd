import { cloudflare } from "../sdk/cloudflare.ts";
import type * as pulumi from "@pulumi/pulumi";
import { PlatformComponent } from "../core/component.ts";

export interface HstsSettings {
  maxAgeSeconds: number;
  includeSubdomains: boolean;
  preload: boolean;
}

export interface ZoneSecurityArgs {
  zoneId: pulumi.Input<string>;
  hsts: HstsSettings;
}

export interface ZoneSettingValue {
  settingId: string;
  value: unknown;
}

/** The zone's TLS posture, for auditors. */
export interface TlsPosture {
  sslMode: "strict";
  minTlsVersion: "1.2";
  tls13: "on";
  alwaysUseHttps: "on";
  hsts: HstsSettings;
}

/** Zone settings: origin certificates verified, TLS 1.2 at least, HTTPS only, HSTS. */
export function zoneSecuritySettings(hsts: HstsSettings): ZoneSettingValue[] {
  return [
    // Full (strict): Cloudflare verifies the origin's certificate, not just that it has one.
    { settingId: "ssl", value: "strict" },
    { settingId: "min_tls_version", value: "1.2" },
    { settingId: "tls_1_3", value: "on" },
    { settingId: "always_use_https", value: "on" },
    {
      settingId: "security_header",
      value: {
        strict_transport_security: {
          enabled: true,
          max_age: hsts.maxAgeSeconds,
          include_subdomains: hsts.includeSubdomains,
          preload: hsts.preload,
          nosniff: true,
        },
      },
    },
  ];
}

/** The Cloudflare zone's TLS and HSTS settings, one `ZoneSetting` each. */
export class ZoneSecurity extends PlatformComponent {
  readonly posture: TlsPosture;

  constructor(name: string, args: ZoneSecurityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge", "ZoneSecurity", name, opts);

    for (const setting of zoneSecuritySettings(args.hsts)) {
      new cloudflare.ZoneSetting(
        `${name}-${setting.settingId.replaceAll("_", "-")}`,
        { zoneId: args.zoneId, settingId: setting.settingId, value: setting.value },
        { parent: this },
      );
    }

    this.posture = {
      sslMode: "strict",
      minTlsVersion: "1.2",
      tls13: "on",
      alwaysUseHttps: "on",
      hsts: args.hsts,
    };
    this.registerOutputs({ posture: this.posture });
  }
}
