import type * as pulumi from "@pulumi/pulumi";

/**
 * Who hears about anything: the platform's one alert route. App Platform's alerts, the uptime
 * checks, the load balancer's health notifications and the APM monitors all notify it.
 */
export interface AlertRoutes {
  emails: string[];
  /** Slack incoming webhook (secret) and the channel it posts to. */
  slack?: { webhookUrl: pulumi.Input<string>; channel: string };
}
