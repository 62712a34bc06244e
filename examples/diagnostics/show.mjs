// Shared by the debugging-story examples: headings, and the HTML report written next to the OS temp files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function heading(title) {
  console.log(`\n${'═'.repeat(100)}\n${title}\n${'═'.repeat(100)}`);
}

export function show(label, report) {
  console.log(`\n── ${label} ──`);
  console.log(report.toString());
}

/** Write an HTML page (report.toHTML(), watch.toHTML() or diagnostics.html()) and say where. */
export function writeHtml(name, html) {
  const dir = process.env.NEURITE_REPORT_DIR || join(tmpdir(), 'neurite-diagnostics');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  console.log(`\nHTML report: ${file}`);
  return file;
}
