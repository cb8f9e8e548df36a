// Config parsing exported for config.test.ts (no host calls involved).
import { ConfigErrors } from "../../shared/config-error";
import { Config, parseConfig } from "../config";

function parse(text: string, errors: ConfigErrors): Config | null {
  return parseConfig(errors, text);
}

/** The config error lines for `text` (one per line), or "" when the configuration is valid. */
export function configError(text: string): string {
  const errors = new ConfigErrors("rate-limit");
  parse(text, errors);
  return errors.lines.join("\n");
}

/** A summary of a valid configuration: "rules=<names>;pairs=<bool>;mode=<n>;enforce=<n>" and per
 *  rule its limits (burst/requests/per ms) and key. */
export function configSummary(text: string): string {
  const config = parse(text, new ConfigErrors("rate-limit"));
  if (config === null) return "";
  const names: string[] = [];
  for (let i = 0; i < config.rules.length; i++) {
    const rule = config.rules[i];
    let limits = "";
    for (let j = 0; j < rule.limits.length; j++) {
      const l = rule.limits[j];
      limits += (j > 0 ? "+" : "") + l.maxTokens.toString() + "/" + l.tokensPerFill.toString() + "/" + (l.fillNs / 1_000_000).toString() + "ms";
    }
    let key = "";
    for (let j = 0; j < rule.key.length; j++) key += (j > 0 ? "+" : "") + rule.key[j].source.toString() + (rule.key[j].name.length > 0 ? ":" + rule.key[j].name : "");
    names.push(rule.name + "(" + limits + (key.length > 0 ? " key " + key + " slots " + rule.maxKeys.toString() : "") + ")");
  }
  return "rules=" + names.join(",") + ";pairs=" + (config.readAllHeaders ? "true" : "false") +
    ";mode=" + config.headersMode.toString() + ";enforce=" + config.enforcePercent.toString() +
    ";reply=" + config.reply.status.toString() + "/" + config.reply.grpcStatus.toString();
}
