// Mutation run of the scenario suite: starts the unbroken server and each deliberately broken one
// (test/mutants/broken-servers.ts: the real server with one decorator around its store or bus),
// runs `node bin/im.js scenario run scenarios/ --server URL --admin-token T --reporter json`
// against each, and prints which scenarios caught which mutant, or MISSED.
//
//   npm run mutants                                  # build, then every mutant against scenarios/
//   npm run mutants -- --only lost-push,group-leak   # some mutants
//   npm run mutants -- scenarios/group.yaml          # some scenario files
//   npm run mutants -- --seed 7 --jobs 4 --json reports/mutants.json
//
// Flags: --only IDS (comma-separated mutant ids), --seed N (passed to the runner; default 1),
// --jobs N (scenario files at once per server; default 1, so the "every Nth message" mutants hit
// the same messages on every run), --parallel N (servers at once; default 1), --timeout D (the
// runner's step timeout), --json FILE (every run's detections as JSON), --verbose (headlines of
// every failed scenario, the baseline's included).
//
// Exit code: 0 when the unbroken server passed the suite (missed mutants are reported, not
// failures of this script), 1 when the baseline failed (a false alarm) or a run broke, 2 on bad
// flags. Needs dist/ (the npm script builds it first).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function parseArgs(argv) {
  const o = { paths: [], only: undefined, seed: 1, jobs: 1, parallel: 1, timeout: undefined, json: undefined, verbose: false };
  const num = (flag, v) => {
    if (!/^\d+$/.test(v ?? '')) usage(`${flag} needs a whole number, got ${v ?? 'nothing'}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--only':
        o.only = (argv[++i] ?? '').split(',').filter(Boolean);
        break;
      case '--seed':
        o.seed = num(a, argv[++i]);
        break;
      case '--jobs':
        o.jobs = Math.max(1, num(a, argv[++i]));
        break;
      case '--parallel':
        o.parallel = Math.max(1, num(a, argv[++i]));
        break;
      case '--timeout':
        o.timeout = argv[++i];
        break;
      case '--json':
        o.json = argv[++i];
        break;
      case '--verbose':
        o.verbose = true;
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${readHelp()}\n`);
        process.exit(0);
      default:
        if (a.startsWith('-')) usage(`unknown flag ${a}`);
        o.paths.push(a);
    }
  }
  if (o.paths.length === 0) o.paths = ['scenarios/'];
  return o;
}

function readHelp() {
  return 'usage: npm run mutants -- [paths...] [--only ids] [--seed n] [--jobs n] [--parallel n] [--timeout d] [--json file] [--verbose]';
}

function usage(why) {
  process.stderr.write(`mutants: ${why}\n${readHelp()}\n`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const t0 = Date.now();
const { module: lib } = await runnerImport(resolve(ROOT, 'test/mutants/broken-servers.ts'), { configFile: false, logLevel: 'error', root: ROOT });
const { MUTANTS, startMutantServer, runSuite, detections, firedByFile, scenarioFiles } = lib;

// Files that configure the embedded server (`server:`) cannot target a running one: left out.
const { runnable: files, embeddedOnly } = await scenarioFiles(opts.paths);
if (files.length === 0) usage(`no scenario file under ${opts.paths.join(' ')} can target a running server`);

// A mutant that cannot be built as a store/bus decorator is skipped unless asked for by id.
const chosen = opts.only ? opts.only.map((id) => MUTANTS.find((m) => m.id === id) ?? usage(`no mutant "${id}"; ids: ${MUTANTS.map((m) => m.id).join(', ')}`)) : MUTANTS.filter((m) => !m.notExpressible);
const skipped = MUTANTS.filter((m) => !chosen.includes(m) && m.notExpressible && !opts.only);

/** One server, one run of the suite, summarised. */
async function runAgainst(which) {
  const started = Date.now();
  const { server, fired, firedAt } = await startMutantServer(which);
  let run;
  try {
    run = await runSuite(server, { paths: files, seed: opts.seed, jobs: opts.jobs, timeout: opts.timeout });
  } finally {
    await server.close();
  }
  const found = run.report ? detections(run.report) : [];
  const firedIn = run.report ? firedByFile(firedAt(), run.report) : new Map();
  const failed = new Set(found.map((d) => d.file));
  return {
    which,
    exitCode: run.exitCode,
    fired: fired(),
    firedIn: Object.fromEntries(firedIn),
    /** Files where the mutation happened and the scenario still passed: the suite's blind spots. */
    firedButPassed: [...firedIn.keys()].filter((f) => !failed.has(f)),
    counts: run.report?.counts,
    detections: found,
    stderr: run.report ? '' : run.stderr.trim(),
    durationMs: Date.now() - started,
  };
}

async function pool(items, n, work) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]);
      }
    }),
  );
  return out;
}

const log = (line) => process.stderr.write(`${line}\n`);
log(`mutants: ${files.length} scenario file(s) under ${opts.paths.join(' ')} · seed ${opts.seed} · --jobs ${opts.jobs} · ${chosen.length} mutant(s)`);
if (embeddedOnly.length > 0) log(`  left out (embedded server only, \`server:\` settings): ${embeddedOnly.join(', ')}`);

const baseline = await runAgainst('baseline');
log(`  baseline      exit ${baseline.exitCode}  ${baseline.counts ? `${baseline.counts.passed}/${baseline.counts.total} passed` : 'no report'}  (${(baseline.durationMs / 1000).toFixed(1)} s)`);
const falseAlarms = new Set(baseline.detections.map((d) => d.file));
// Only a file that passed against the unbroken server can catch a mutant.
const sound = (file) => !falseAlarms.has(file) && files.includes(file);

const runs = await pool(chosen, opts.parallel, async (m) => {
  const r = await runAgainst(m.id);
  log(`  ${m.id.padEnd(20)} exit ${r.exitCode}  fired ${r.fired}×  ${r.counts ? `${r.counts.failed} failed` : 'no report'}  (${(r.durationMs / 1000).toFixed(1)} s)`);
  return { mutant: m, ...r };
});

// ---- verdicts ---------------------------------------------------------------------------------

function short(file) {
  return file.replace(/^.*scenarios\//, '').replace(/\.ya?ml$/, '');
}

function verdictOf(r) {
  if (r.exitCode === 2 || !r.counts) return { verdict: 'ERROR', by: [] };
  const by = r.detections.filter((d) => sound(d.file));
  if (by.length > 0) return { verdict: 'caught', by };
  if (r.fired === 0) return { verdict: 'MISSED (never fired)', by: [] };
  return { verdict: 'MISSED', by: [] };
}

/** `6/16: single, group, …`: the scenario files that caught it. */
function filesCell(by, total) {
  if (by.length === 0) return '—';
  const names = by.map((d) => short(d.file));
  const shown = names.length > 5 ? [...names.slice(0, 5), `+${names.length - 5}`] : names;
  return `${by.length}/${total}: ${shown.join(', ')}`;
}

/** `pts-gap (3 files), seq-unique (1)`: the invariant rules, by how many files they fired in. */
function rulesCell(by) {
  const n = new Map();
  for (const d of by) for (const r of d.rules) n.set(r.rule, (n.get(r.rule) ?? 0) + 1);
  return [...n].map(([rule, k]) => `${rule} (${k})`).join(', ') || '—';
}

/** The failing steps: `single.yaml:33`, and how many more. */
function stepsCell(by) {
  const steps = by.flatMap((d) => (d.step ? [d.step.at.replace(/^.*scenarios\//, '')] : []));
  const other = by.filter((d) => !d.step && d.rules.length === 0).map((d) => `${short(d.file)}: ${d.error !== undefined ? 'error' : d.thresholds.length > 0 ? 'threshold' : d.unread.length > 0 ? 'strict_inbox' : 'failed'}`);
  const all = [...steps, ...other];
  if (all.length === 0) return '—';
  return all.length > 3 ? `${all.slice(0, 3).join(', ')} +${all.length - 3}` : all.join(', ');
}

const rows = runs.map((r) => ({ ...r, ...verdictOf(r) }));
const total = baseline.counts?.total ?? 0;

const table = [['#', 'mutant', 'fired', 'verdict', 'scenario files failing', 'invariant rules (files)', 'failing steps', 'fired but passed']];
table.push([
  '-',
  'unbroken server',
  '-',
  baseline.exitCode === 0 ? 'passes' : 'FALSE ALARM',
  baseline.exitCode === 0 ? `0/${total}` : filesCell(baseline.detections, total),
  rulesCell(baseline.detections),
  stepsCell(baseline.detections),
  '—',
]);
const quietCell = (r) => (r.firedButPassed.length === 0 ? '—' : r.firedButPassed.map(short).join(', '));
for (const r of rows) table.push([String(r.mutant.n), r.mutant.id, `${r.fired}×`, r.verdict, filesCell(r.by, total), rulesCell(r.by), stepsCell(r.by), quietCell(r)]);
for (const m of skipped) table.push([String(m.n), m.id, '-', 'skipped', '—', '—', 'not expressible as a store/bus decorator', '—']);
table.splice(2, table.length - 2, ...table.slice(2).sort((a, b) => Number(a[0]) - Number(b[0])));
const widths = table[0].slice(0, -1).map((_, c) => Math.max(...table.map((row) => row[c].length)));
const line = (row) => row.map((cell, c) => (c < widths.length ? cell.padEnd(widths[c]) : cell)).join('  ').trimEnd();

const out = [];
out.push('');
out.push(line(table[0]));
out.push(`${widths.map((w) => '─'.repeat(w)).join('  ')}  ${'─'.repeat(20)}`);
for (const row of table.slice(1)) out.push(line(row));
out.push('');
const caught = rows.filter((r) => r.verdict === 'caught').length;
const skippedNote = skipped.length > 0 ? ` (${skipped.length} skipped)` : '';
if (embeddedOnly.length > 0) out.push(`not run (embedded server only): ${embeddedOnly.map(short).join(', ')}`);
out.push(`${caught} of ${rows.length} mutants caught${skippedNote} · unbroken server ${baseline.exitCode === 0 ? 'passes' : 'FAILS'} · seed ${opts.seed} · ${((Date.now() - t0) / 1000).toFixed(1)} s`);
out.push('');

// Details: what each mutant does, and per scenario file the first step / rule that caught it.
const clip = (text, n = 150) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
for (const r of [...rows].sort((a, b) => a.mutant.n - b.mutant.n)) {
  out.push(`${r.mutant.n}. ${r.mutant.id}: ${r.mutant.how} (fired ${r.fired}×) → ${r.verdict}`);
  if (r.mutant.caveat) out.push(`   caveat: ${r.mutant.caveat}`);
  const firedList = Object.entries(r.firedIn).map(([f, n]) => `${short(f)} ${n}×`).join(', ');
  if (firedList) out.push(`   fired in: ${firedList}`);
  if (r.firedButPassed.length > 0) out.push(`   fired but the scenario passed: ${r.firedButPassed.map(short).join(', ')}`);
  if (r.stderr) out.push(`   runner: ${clip(r.stderr.split('\n').slice(0, 3).join(' / '))}`);
  for (const d of r.by) {
    const what = d.step ? `step ${d.step.at.replace(/^.*scenarios\//, '')}: ${d.step.reason}` : d.rules.length > 0 ? `${d.rules[0].rule}: ${d.rules[0].first}` : d.headline;
    const rules = d.rules.length > 0 ? `  [${d.rules.map((x) => `${x.rule}×${x.count}`).join(', ')}]` : '';
    out.push(`   ${short(d.file).padEnd(16)} ${clip(what)}${rules}`);
  }
  if (opts.verbose) for (const d of r.detections.filter((x) => falseAlarms.has(x.file))) out.push(`   (fails on the unbroken server too) ${short(d.file)}: ${clip(d.headline)}`);
}
for (const m of skipped) out.push(`${m.n}. ${m.id}: skipped: ${m.notExpressible} (its approximation runs with --only ${m.id})`);
if (baseline.detections.length > 0) {
  out.push('');
  out.push('failing on the unbroken server (false alarms; these files do not count as catches):');
  for (const d of baseline.detections) out.push(`   ${short(d.file)}: ${clip(d.headline, 200)}`);
}
process.stdout.write(`${out.join('\n')}\n`);

if (opts.json) {
  const path = resolve(opts.json);
  await mkdir(dirname(path), { recursive: true });
  const doc = {
    seed: opts.seed,
    paths: opts.paths,
    files,
    embeddedOnly,
    baseline: { exitCode: baseline.exitCode, counts: baseline.counts, detections: baseline.detections },
    skipped: skipped.map((m) => ({ n: m.n, id: m.id, reason: m.notExpressible })),
    mutants: rows.map((r) => ({
      n: r.mutant.n,
      id: r.mutant.id,
      how: r.mutant.how,
      caveat: r.mutant.caveat,
      fired: r.fired,
      firedIn: r.firedIn,
      firedButPassed: r.firedButPassed,
      exitCode: r.exitCode,
      verdict: r.verdict,
      caughtBy: r.by,
      detections: r.detections,
    })),
  };
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`);
  log(`mutants: wrote ${opts.json}`);
}

process.exit(baseline.exitCode === 0 && rows.every((r) => r.verdict !== 'ERROR') ? 0 : 1);
