// Envoy helpers that need no container: image choice, command line, what is copied, log checks.
import { describe, expect, it } from "vitest";
import { bootstrapPath } from "../support/bootstrap.js";
import {
  DEFAULT_ENVOY_IMAGE,
  envoyCommand,
  envoyCopies,
  envoyImage,
  isIstioProxy,
  validateOutputOk,
  wasmErrorLines,
  wasmLogLines,
} from "../support/envoy.js";

describe("image", () => {
  it("is pinned to an exact tag and ENVOY_IMAGE overrides it", () => {
    expect(DEFAULT_ENVOY_IMAGE).toMatch(/^envoyproxy\/envoy:v\d+\.\d+\.\d+$/);
    expect(envoyImage({})).toBe(DEFAULT_ENVOY_IMAGE);
    expect(envoyImage({ ENVOY_IMAGE: "  " })).toBe(DEFAULT_ENVOY_IMAGE);
    expect(envoyImage({ ENVOY_IMAGE: "istio/proxyv2:1.29.2" })).toBe("istio/proxyv2:1.29.2");
  });

  it("recognises istio/proxyv2 under any registry, tag or digest", () => {
    expect(isIstioProxy("istio/proxyv2:1.29.2")).toBe(true);
    expect(isIstioProxy("docker.io/istio/proxyv2:1.29.2-distroless")).toBe(true);
    expect(isIstioProxy("gcr.io/istio-release/proxyv2@sha256:abcd")).toBe(true);
    expect(isIstioProxy("localhost:5000/proxyv2")).toBe(true);
    expect(isIstioProxy("envoyproxy/envoy:v1.39.1")).toBe(false);
    expect(isIstioProxy("example/proxyv2-fork:1")).toBe(false);
  });
});

describe("command line", () => {
  it("runs envoy itself (istio/proxyv2's entrypoint is pilot-agent) with 4 workers and Wasm debug logs", () => {
    const serve = envoyCommand("serve");
    expect(serve.entrypoint).toEqual(["/usr/local/bin/envoy"]);
    expect(serve.command.join(" ")).toBe(
      "-c /etc/envoy/envoy.yaml --disable-hot-restart --concurrency 4 --log-level info --component-log-level wasm:debug",
    );
    expect(envoyCommand("validate").command.join(" ")).toBe("--mode validate -c /etc/envoy/envoy.yaml --disable-hot-restart");
  });

  it("recognises the validate verdict", () => {
    expect(validateOutputOk("[info] ...\nconfiguration '/etc/envoy/envoy.yaml' OK\n")).toBe(true);
    expect(validateOutputOk("error initializing configuration '/etc/envoy/envoy.yaml': Unable to create Wasm HTTP filter")).toBe(false);
  });
});

describe("copies", () => {
  it("copies the bootstrap and every module the chain loads", () => {
    const { files, contents } = envoyCopies({ bootstrap: bootstrapPath("chain"), filters: ["spiffe-rbac", "rate-limit", "traffic-colour", "circuit-breaker"] });
    expect(files.map((f) => f.target)).toEqual([
      "/etc/envoy/envoy.yaml",
      "/etc/sluice/spiffe-rbac.wasm",
      "/etc/sluice/rate-limit.wasm",
      "/etc/sluice/traffic-colour.wasm",
      "/etc/sluice/circuit-breaker.wasm",
    ]);
    expect(contents).toEqual([]);
  });

  it("refuses to start when a file the bootstrap reads is not provided", () => {
    expect(() => envoyCopies({ bootstrap: bootstrapPath("spiffe-rbac"), filters: ["spiffe-rbac"] })).toThrow(
      "reads /etc/sluice/certs/ca.pem, /etc/sluice/certs/server-key.pem, /etc/sluice/certs/server.pem, which the test does not provide",
    );
    expect(() => envoyCopies({ bootstrap: bootstrapPath("chain"), filters: ["rate-limit"] })).toThrow("/etc/sluice/spiffe-rbac.wasm");
    const certs = ["ca.pem", "server.pem", "server-key.pem"].map((f) => ({ content: "x", target: `/etc/sluice/certs/${f}` }));
    expect(envoyCopies({ bootstrap: bootstrapPath("spiffe-rbac"), filters: ["spiffe-rbac"], extra: certs }).contents).toHaveLength(3);
  });

  it("names the missing build output", () => {
    expect(() => envoyCopies({ bootstrap: bootstrapPath("chain"), filters: ["no-such-filter"] })).toThrow("run `npm run build` first");
  });
});

describe("Wasm errors in Envoy's log", () => {
  // Envoy's default format: [time][thread][level][component] [file:line] message
  const LOG = [
    "[2026-11-22 05:00:00.000][1][info][main] [source/server/server.cc:1] starting main dispatch loop",
    "[2026-11-22 05:00:00.100][20][debug][wasm] [source/extensions/common/wasm/context.cc:1] wasm log rate-limit rate-limit rate-limit: configured 2 rules",
    "[2026-11-22 05:00:00.200][21][info][wasm] [source/extensions/common/wasm/context.cc:1] wasm log circuit-breaker circuit-breaker circuit-breaker: circuit \"upstream\" opened: consecutive_failures 3 >= 3; open for 2000ms",
    "[2026-11-22 05:00:00.300][21][warning][wasm] [source/extensions/common/wasm/context.cc:1] wasm log rate-limit rate-limit rate-limit: no valid answer from the rate limit service for rule global-api",
  ];
  const BAD = [
    "[2026-11-22 05:00:01.000][20][critical][wasm] [source/extensions/common/wasm/context.cc:1] wasm log rate-limit rate-limit: rules[0].limits: is required, got nothing",
    "[2026-11-22 05:00:01.100][20][error][wasm] [source/extensions/common/wasm/wasm_vm.cc:1] Function: proxy_on_request_headers failed: Uncaught RuntimeError: unreachable",
    "[2026-11-22 05:00:01.200][20][error][wasm] [source/extensions/common/wasm/wasm.cc:1] Wasm VM failed Failed to initialize Wasm code",
    "[2026-11-22 05:00:01.300][1][critical][main] [source/server/server.cc:1] error initializing config: Unable to create Wasm HTTP filter rate-limit",
  ];

  it("ignores debug, info and warning lines", () => {
    expect(wasmErrorLines(LOG.join("\n"))).toEqual([]);
    expect(wasmLogLines(LOG.join("\n"))).toHaveLength(3);
  });

  it("finds errors, criticals, VM failures and failed callbacks", () => {
    expect(wasmErrorLines([...LOG, ...BAD].join("\n"))).toEqual(BAD);
  });

  it("lets a test allow lines it expects", () => {
    expect(wasmErrorLines(BAD.join("\n"), [/is required, got nothing/, /Unable to create/])).toEqual(BAD.slice(1, 3));
  });
});
