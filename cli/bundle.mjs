// Bundles the CLI into one ES module: node cli/bundle.mjs [--outfile dist/sluice.mjs]
// (npm run build:cli). Node built-ins and the host simulator's sources are bundled; nothing is
// left external except node: modules.
import { build } from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const i = process.argv.indexOf("--outfile");
const outfile = i >= 0 ? resolve(process.argv[i + 1]) : resolve(root, "dist/sluice.mjs");

// `sluice image` lives in cli/image/index.ts; until it exists the route reports that it is missing.
const optionalImage = {
  name: "optional-image",
  setup(b) {
    b.onResolve({ filter: /\/image\/index\.js$/ }, (args) => {
      const target = resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts"));
      if (existsSync(target)) return { path: target };
      return { path: "missing-image", namespace: "optional-image" };
    });
    b.onLoad({ filter: /.*/, namespace: "optional-image" }, () => ({
      contents: "export {};",
      loader: "js",
    }));
  },
};

await build({
  entryPoints: [resolve(root, "cli/entry.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
  plugins: [optionalImage],
  // `sluice dev` runs the example chain when no --config is given
  // and every command knows the one version (package.json)
  define: {
    __SLUICE_EXAMPLE__: JSON.stringify(readFileSync(resolve(root, "examples/sluice.yaml"), "utf8")),
    __SLUICE_VERSION__: JSON.stringify(JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")).version),
  },
  // CommonJS dependencies (ajv, yaml) may call require() for built-ins
  banner: { js: "import { createRequire as __sluiceRequire } from 'node:module'; const require = __sluiceRequire(import.meta.url);" },
});
