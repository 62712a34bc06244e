#!/usr/bin/env node
// Reads a vitest JSON report (--reporter=json) and prints, per test file, how many tests passed
// on which backend, under a label naming the run (ISA, addon present or not). Fails when:
//  - a test failed, or the report lists no tests;
//  - a test was skipped in a file not matched by --expect-skip (a suite that cannot run says why
//    in its name: test/helpers/requires.ts);
//  - --backends js,native: a file's per-backend suites ran fewer tests on native than on js;
//    --backends js: any test ran under 'native backend';
//  - a file passed fewer tests than .ci/test-counts.json records (--min), or a file recorded
//    there did not run. (Adding tests is free; after removing some on purpose, lower the file's
//    floor there in the same commit.)
// usage: node .ci/test-counts.mjs REPORT.json --label L --backends js,native [--expect-skip REGEX] [--min .ci/test-counts.json]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const report = JSON.parse(readFileSync(argv[0], 'utf8'));
const label = opt('label', 'run');
const backends = opt('backends', 'js,native').split(',');
const expectSkip = opt('expect-skip', null);
const minFile = opt('min', null);
const root = process.cwd();

const problems = [];
const rows = [];
let total = 0;
for (const file of report.testResults) {
  const name = relative(root, file.name);
  const c = { passed: 0, failed: 0, skipped: 0, js: 0, native: 0 };
  for (const t of file.assertionResults) {
    const where = t.ancestorTitles.join(" > ").match(/(?:^|\(| > |\bon the )(js|native) backend\b/)?.[1];
    if (t.status === 'passed') {
      c.passed++;
      if (where) c[where]++;
    } else if (t.status === 'failed') c.failed++;
    else c.skipped++;
  }
  // a file that failed to load has no assertion results but a failed status
  if (file.status === 'failed' && c.failed === 0) { c.failed++; problems.push(`${name}: failed to run: ${String(file.message).split('\n')[0]}`); }
  total += c.passed;
  rows.push([name, c]);
  if (c.failed) problems.push(`${name}: ${c.failed} failed`);
  if (c.skipped && !(expectSkip && new RegExp(expectSkip).test(name))) {
    const why = file.assertionResults.filter((t) => t.status !== 'passed' && t.status !== 'failed').map((t) => t.ancestorTitles.concat(t.title).join(' > '));
    problems.push(`${name}: ${c.skipped} skipped, not expected in this run (e.g. ${why[0]})`);
  }
  if (backends.includes('native') && c.js > 0 && c.native < c.js) problems.push(`${name}: ${c.native} tests on the native backend, ${c.js} on js`);
  if (!backends.includes('native') && c.native > 0) problems.push(`${name}: ${c.native} tests ran on 'native', which this run must not have`);
}
rows.sort((a, b) => a[0].localeCompare(b[0]));
const w = Math.max(...rows.map(([n]) => n.length));
console.log(`test counts [${label}]: file, passed (on js / on native), skipped`);
for (const [n, c] of rows) {
  const per = c.js || c.native ? ` (js ${c.js} / native ${c.native})` : '';
  console.log(`  ${n.padEnd(w)}  ${String(c.passed).padStart(5)}${per}${c.skipped ? `, ${c.skipped} skipped` : ''}${c.failed ? `, ${c.failed} FAILED` : ''}`);
}
console.log(`  ${'total'.padEnd(w)}  ${String(total).padStart(5)}`);
if (total === 0) problems.push('no test passed');

if (minFile) {
  const floors = JSON.parse(readFileSync(minFile, 'utf8'));
  const got = new Map(rows);
  for (const [n, min] of Object.entries(floors[backends.join(',')] ?? {})) {
    const c = got.get(n);
    if (!c) problems.push(`${n}: did not run (${minFile} expects at least ${min} passed)`);
    else if (c.passed < min) problems.push(`${n}: ${c.passed} passed, fewer than the ${min} recorded in ${minFile}`);
  }
}

if (problems.length) {
  console.log(`test counts [${label}]: FAIL`);
  for (const p of problems) console.log(`  - ${p}`);
  process.exit(1);
}
console.log(`test counts [${label}]: ok`);
