// @ts-check
import eslint from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";
import { readFileSync } from "node:fs";
import { isProviderSdk } from "./infra/sdk/load.ts";

// Every provider SDK the program depends on (package.json), loaded only through infra/sdk/.
const SDK_MODULES = Object.keys(
  JSON.parse(readFileSync(new URL("package.json", import.meta.url), "utf8")).dependencies,
)
  .filter(isProviderSdk)
  .map((name) => name.slice("@pulumi/".length));

export default defineConfig(
  { ignores: ["**/node_modules/", "coverage/", "**/.next/", "**/dist/", "**/next-env.d.ts"] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/switch-exhaustiveness-check": "error",
    },
  },
  {
    // The provider SDKs load through infra/sdk/ (infra/sdk/load.ts says why): an ES import of
    // one loads every resource module it has.
    ignores: ["infra/sdk/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: SDK_MODULES.map((provider) => ({
            name: `@pulumi/${provider}`,
            message: `Import { ${provider} } from infra/sdk/${provider}.ts; types with import type.`,
            allowTypeImports: true,
          })),
        },
      ],
    },
  },
  { files: ["**/*.js"], extends: [tseslint.configs.disableTypeChecked] },
  prettier,
);
