// Config parsing exported for config.test.ts (no host calls involved).
import { ConfigReader } from "../../shared/json";
import { parseConfig } from "../config";

/** The config error line for `text`, or "" when the configuration is valid. */
export function configError(text: string): string {
  const reader = new ConfigReader("rate-limit");
  parseConfig(reader, text);
  return reader.message();
}

/** A summary of a valid configuration: "rules=<names>;pairs=<bool>;mode=<n>;enforce=<n>". */
export function configSummary(text: string): string {
  const config = parseConfig(new ConfigReader("rate-limit"), text);
  if (config === null) return "";
  const names: string[] = [];
  for (let i = 0; i < config.rules.length; i++) names.push(config.rules[i].name);
  return "rules=" + names.join(",") + ";pairs=" + (config.readAllHeaders ? "true" : "false") +
    ";mode=" + config.headersMode.toString() + ";enforce=" + config.enforcePercent.toString();
}
