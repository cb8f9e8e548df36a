// Test entry for config.ts: the error lines for a config text (no host calls involved).
import { ConfigErrors } from "../../shared/config-error";
import { parseConfig } from "../config";

/** The config error lines (one per line), or "" when the configuration is valid. */
export function configError(text: string): string {
  const errors = new ConfigErrors("spiffe-rbac");
  parseConfig(text, errors);
  return errors.lines.join("\n");
}
