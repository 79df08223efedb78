// Builds the console into dist/: index.html plus content-hashed assets under dist/assets/,
// split by route (esbuild's ESM code splitting). `--tests` bundles tests/*.test.ts and runs them
// with node's test runner (the files named one by one: Node 20 and 22+ read a folder argument differently).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readdirSync, mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const testsOnly = process.argv.includes("--tests");

if (testsOnly) {
  rmSync("dist-tests", { recursive: true, force: true });
  await build({
    entryPoints: readdirSync("tests").filter((name) => name.endsWith(".test.ts")).map((name) => join("tests", name)),
    outdir: "dist-tests",
    bundle: true,
    platform: "node",
    format: "esm",
    outExtension: { ".js": ".mjs" },
    jsx: "automatic",
    jsxImportSource: "preact",
    logLevel: "warning",
  });
  const files = readdirSync("dist-tests").filter((name) => name.endsWith(".mjs")).map((name) => join("dist-tests", name));
  const run = spawnSync(process.execPath, ["--test", ...files], { stdio: "inherit" });
  process.exit(run.status ?? 1);
} else {
  rmSync("dist", { recursive: true, force: true });
  mkdirSync("dist/assets", { recursive: true });
  const result = await build({
    entryPoints: { app: "src/main.tsx" },
    outdir: "dist/assets",
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    assetNames: "[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    target: ["es2022"],
    minify: true,
    sourcemap: false,
    metafile: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    legalComments: "linked",
    logLevel: "warning",
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry = outputs.find(([, output]) => output.entryPoint === "src/main.tsx");
  const script = entry[0].replace(/^dist/, "");
  const style = entry[1].cssBundle ? entry[1].cssBundle.replace(/^dist/, "") : null;
  const template = readFileSync("index.html", "utf8");
  const html = template
    .replace("<!--styles-->", style ? `<link rel="stylesheet" href="${style}">` : "")
    .replace("<!--script-->", `<script type="module" src="${script}"></script>`);
  writeFileSync("dist/index.html", html);
  const digest = createHash("sha256").update(html).digest("hex").slice(0, 12);
  console.log(`console built: dist/index.html (${digest}), ${outputs.length} files`);
}
