// The one version of Sluice: package.json `version`. It is the CLI's `--version`, the tag of the
// images `sluice image build` writes and the tag in the image URLs `sluice render` writes.
// The bundle has it built in (cli/bundle.mjs defines __SLUICE_VERSION__); the sources read it.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { repoRoot } from "./paths.js";

declare const __SLUICE_VERSION__: string | undefined;

export function sluiceVersion(): string {
  if (typeof __SLUICE_VERSION__ === "string") return __SLUICE_VERSION__;
  return (JSON.parse(readFileSync(resolve(repoRoot(), "package.json"), "utf8")) as { version: string }).version;
}
