// `npm run bundle`: the whole CLI (and its dependencies) as one ES module file that runs with plain
// `node`, no node_modules: dist/acme-godaddy.mjs, executable, with a `#!/usr/bin/env node` line.
// Copy it to a server (e.g. /usr/local/bin/acme-godaddy) and use it exactly like bin/acme-godaddy.
//
//   node dist/scripts/bundle.js [--outfile PATH]
//
// Bundled: src/main.ts and everything it imports, including the simulator (for `demo`... which
// spawns dist/src/main.js and so needs the npm install; every other command works from the
// bundle). The version comes from package.json at build time.

import { build } from 'esbuild';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function bundle(outfile: string): Promise<{ outfile: string; bytes: number }> {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  await build({
    entryPoints: [path.join(root, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.18',
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
    define: { __ACME_GODADDY_VERSION__: JSON.stringify(pkg.version) },
    // CommonJS dependencies (proper-lockfile, dotenv, dns2) call require() for node built-ins.
    banner: {
      js: [
        '#!/usr/bin/env node',
        `// acme-godaddy ${pkg.version}: single-file build (npm run bundle). Needs Node.js >= 20.18.`,
        "import { createRequire as __agdCreateRequire } from 'node:module';",
        'const require = __agdCreateRequire(import.meta.url);',
        // As bin/acme-godaddy does: undici's WebAssembly HTTP parser with the baseline compiler only
        // (see the comment there). Bundled modules run after this line, and undici compiles its
        // WebAssembly at the first request, so the flag is in place by then.
        "import { setFlagsFromString as __agdSetFlags } from 'node:v8';",
        "try { __agdSetFlags('--liftoff-only'); } catch { /* an engine without the flag */ }",
      ].join('\n'),
    },
  });
  chmodSync(outfile, 0o755);
  return { outfile, bytes: statSync(outfile).size };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
  const out = path.resolve(values.outfile ?? path.join(root, 'dist', 'acme-godaddy.mjs'));
  const { bytes } = await bundle(out);
  console.log(`wrote ${path.relative(process.cwd(), out) || out} (${Math.round(bytes / 1024)} KiB); run it with: node ${out} --version`);
}
