// `npm run build`, unless dist/ is already newer than every source and config file.
// npm runs `prepare` on `npm ci` and again on the first `npx im` of a clone (npm 11 installs a
// project's own bin into its npx cache, running `prepare` in the project); without this check
// that first `npx im serve` sits silent through a second full build. The tests call it too
// (test/helpers/spawn-server.ts), so the CLI under test is the source under test.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', 'cli', 'main.js');
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((p) => join(root, p));

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), s.mtimeMs);
}

function builtAt() {
  try {
    return statSync(built).mtimeMs;
  } catch {
    return -1;
  }
}

if (builtAt() < Math.max(...inputs.map(newest))) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const { status } = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  process.exit(status ?? 1);
}
