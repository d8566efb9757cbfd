// Monitoring: every public hostname is watched from outside, and every watch alerts someone.
import type { PolicyResource } from "@pulumi/policy";
import { ofType, referrers } from "../links.ts";
import type { PlatformRule } from "../rule.ts";
import { TYPES } from "../types.ts";
import { field, known, records, text } from "../values.ts";

/** A public hostname, with whether it is the load-balanced app (then its root page is watched). */
interface PublicHost {
  host: string;
  root: boolean;
  resource: PolicyResource;
}

/** What the stack puts on the internet: its load balancers' hostnames and its proxied records. */
function publicHosts(resources: readonly PolicyResource[]): PublicHost[] {
  return [
    ...ofType(resources, TYPES.loadBalancer).map((resource) => ({
      host: text(field(resource.props, "name")) ?? resource.name,
      root: true,
      resource,
    })),
    ...ofType(resources, TYPES.dnsRecord)
      .filter((record) => field(record.props, "proxied") === true)
      .map((resource) => ({
        host: text(field(resource.props, "name")) ?? resource.name,
        root: false,
        resource,
      })),
  ];
}

function parsedUrl(value: string | undefined): URL | undefined {
  try {
    return value === undefined ? undefined : new URL(value);
  } catch {
    return undefined;
  }
}

export const uptimePublicHosts: PlatformRule = {
  id: "monitoring-uptime-public-hosts",
  description:
    "Every public hostname has an enabled HTTPS uptime check: the load-balanced app at https://<host>/, each proxied record at some path.",
  remediation:
    "Add an UptimeMonitor for the hostname in stacks/monitoring.ts (the app's root page, or an object the host serves).",
  enforcementLevel: "mandatory",
  checkStack: (args, _context, report) => {
    const targets = ofType(args.resources, TYPES.uptimeCheck)
      .filter((check) => field(check.props, "enabled") !== false)
      // An origin check's target (an app's own hostname) is unknown before the app exists.
      .flatMap((check) => {
        const url = parsedUrl(known(() => text(field(check.props, "target"))));
        return url?.protocol === "https:" ? [url] : [];
      });
    for (const { host, root, resource } of publicHosts(args.resources)) {
      const covered = targets.some(
        (url) => url.hostname === host && (!root || url.pathname === "/"),
      );
      if (!covered) {
        report(
          `no enabled HTTPS uptime check watches https://${host}${root ? "/" : ""}`,
          resource.urn,
        );
      }
    }
  },
};

/** The alert types that fire when the target stops answering. */
const DOWN_ALERTS = ["down", "down_global"];

export const uptimeAlerts: PlatformRule = {
  id: "monitoring-uptime-alerts",
  description: "Every uptime check has a down alert that notifies someone (an e-mail or Slack).",
  remediation: "Keep UptimeMonitor's down_global alert with the platform's alert route.",
  enforcementLevel: "mandatory",
  checkStack: (args, _context, report) => {
    for (const check of ofType(args.resources, TYPES.uptimeCheck)) {
      const alerts = referrers(args.resources, TYPES.uptimeAlert, "checkId", check).filter(
        (alert) => DOWN_ALERTS.includes(text(field(alert.props, "type")) ?? ""),
      );
      const notifies = alerts.some((alert) =>
        records(field(alert.props, "notifications")).some((notification) => {
          const count = (key: string) => {
            const list: unknown = notification[key];
            return Array.isArray(list) ? list.length : 0;
          };
          return count("emails") + count("slacks") > 0;
        }),
      );
      if (!notifies)
        report(`uptime check ${check.name} has no down alert that notifies anyone`, check.urn);
    }
  },
};

export const MONITORING_RULES: readonly PlatformRule[] = [uptimePublicHosts, uptimeAlerts];
