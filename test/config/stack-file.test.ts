import { describe, expect, it } from "vitest";
import { stackConfigFromYaml } from "../../stacks/config/stack-file.ts";

const fake = (key: string) => `fake-${key}`;

describe("reading a stack file as the Pulumi CLI hands it to a program", () => {
  it("keeps scalars as strings and structured values as JSON", () => {
    const { values, secretKeys } = stackConfigFromYaml(
      [
        "config:",
        "  platform:name: web",
        "  platform:count: 3",
        "  platform:group:",
        "    a: 1",
        "    b: [x, y]",
        "  aws:region: eu-west-1",
      ].join("\n"),
      "platform",
      fake,
    );
    expect(values).toEqual({
      "platform:name": "web",
      "platform:count": "3",
      "platform:group": '{"a":1,"b":["x","y"]}',
      "aws:region": "eu-west-1",
    });
    expect(secretKeys).toEqual([]);
  });

  it("puts keys without a namespace into the project's", () => {
    const { values } = stackConfigFromYaml("config:\n  name: web\n", "platform", fake);
    expect(values).toEqual({ "platform:name": "web" });
  });

  it("replaces secure values, top-level and nested, and marks their keys secret", () => {
    const { values, secretKeys } = stackConfigFromYaml(
      [
        "config:",
        "  platform:token:",
        "    secure: v1:abc",
        "  platform:group:",
        "    list:",
        "      - secure: v1:def",
        "    plain: 1",
      ].join("\n"),
      "platform",
      fake,
    );
    expect(values).toEqual({
      "platform:token": "fake-token",
      "platform:group": '{"list":["fake-group"],"plain":1}',
    });
    expect(secretKeys).toEqual(["platform:token", "platform:group"]);
  });

  it("reads a file without config as empty", () => {
    expect(stackConfigFromYaml("encryptionsalt: abc\n", "platform", fake)).toEqual({
      values: {},
      secretKeys: [],
    });
  });
});

describe("a stack file that is not what the CLI would read", () => {
  it("names the file, line and column of a YAML syntax error, and how to fix it", () => {
    expect(() =>
      stackConfigFromYaml("config:\n  platform:a: [1, 2\n", "platform", fake, "/tmp/Pulumi.x.yaml"),
    ).toThrow(
      /^\/tmp\/Pulumi\.x\.yaml:\d+:\d+: .* \(YAML syntax\)\. Fix the file there and run again\.$/,
    );
  });

  it("reads a document that is not a mapping as empty, and a null group as text", () => {
    expect(stackConfigFromYaml("- a\n- b\n", "platform", fake)).toEqual({
      values: {},
      secretKeys: [],
    });
    expect(stackConfigFromYaml("config:\n  platform:empty:\n", "platform", fake).values).toEqual({
      "platform:empty": "null",
    });
  });
});
