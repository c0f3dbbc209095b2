// Builds the admin page into dist/ui (run by the package build): one bundled script (Preact, with
// @tanstack/react-virtual through preact/compat), one stylesheet and the HTML shell.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'ui');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src', 'main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  outfile: join(out, 'app.js'),
  jsx: 'automatic',
  jsxImportSource: 'preact',
  alias: { react: 'preact/compat', 'react-dom': 'preact/compat', 'react/jsx-runtime': 'preact/jsx-runtime' },
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(here, 'src', 'app.css'), join(out, 'app.css'));
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'));
