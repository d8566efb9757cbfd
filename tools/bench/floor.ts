// The floor that `pnpm bench` measures the plan against: the same SDKs imported, nothing
// registered. What the plan costs above this is the program's own work.
import "@pulumi/aws";
import "@pulumi/cloudflare";
import "@pulumi/digitalocean";
import "@pulumi/docker";
import "@pulumi/github";
import "@pulumi/pulumi";
import "yaml";
import "zod";
