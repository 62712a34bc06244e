// The HTML report shows the run: training/validation curves per epoch (loss on a log scale),
// the learning rate, watch curves and each warning's first step, and where the run ran. It is
// rendered in headless Chromium, as a user opens it, and the screenshot is checked not to be blank.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { F, diagnostics, nn, optim, randn, manualSeed } from '../lib/index.js';
import type { EpochRow } from '../lib/diagnostics/index.js';
import { readPng } from './helpers/png.js';
import { foreignEnv } from './helpers/torch.js';
import { describeIfAvailable } from './helpers/requires.js';

const epochs: EpochRow[] = Array.from({ length: 20 }, (_, i) => ({
  epoch: i + 1, loss: 2 * Math.exp(-i / 4) + 0.05, accuracy: 0.5 + 0.4 * (1 - Math.exp(-i / 5)),
  valLoss: 2.1 * Math.exp(-i / 4.5) + 0.08, valAccuracy: 0.45 + 0.4 * (1 - Math.exp(-i / 5)), lr: 0.1 * 0.5 ** Math.floor(i / 5),
}));

function watchedRun(spike: boolean) {
  manualSeed(1);
  // ReLU passes a huge input through to the logits (a loss spike); sigmoid saturates (warnings)
  const model = new nn.Sequential(new nn.Linear(8, 16), spike ? new nn.ReLU() : new nn.Sigmoid(), new nn.Linear(16, 3));
  const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
  const w = diagnostics.watch(model, { every: 2, optimizer: opt });
  const x = randn([32, 8]).mul(spike ? 1 : 40);
  const y = Array.from({ length: 32 }, (_, i) => i % 3);
  for (let s = 0; s < 12; s++) {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(s === 10 && spike ? x.mul(1e30) : x), y);
    loss.backward();
    opt.step();
  }
  w.stop();
  return { model, history: w.history, x, y };
}

describe('the run report', () => {
  it('plots training and validation loss (log), accuracy and the learning rate per epoch', () => {
    const page = diagnostics.html({ epochs, title: 'run' });
    expect(page).toContain('Training curves');
    expect(page).toContain('loss (log)');
    expect(page).toContain('validation loss');
    expect(page).toContain('validation accuracy');
    expect(page).toContain('learning rate');
    // the epoch table has every column
    expect(page).toMatch(/<th>val loss<\/th><th>val accuracy<\/th><th>lr<\/th>/);
  });

  it('says where the run ran: backend, ISA, precision, CPU, threads', () => {
    const info = diagnostics.runInfo();
    expect(info.cpu).toBe(cpus()[0].model.trim());
    expect(info.threads).toBeGreaterThanOrEqual(1);
    const page = diagnostics.html({ epochs });
    expect(page).toContain(`${info.backend} backend`);
    expect(page).toContain(`matmul precision ${info.precision}`);
    expect(page).toContain(info.cpu.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`));
  });

  it('draws the watch loss on a log scale, so one huge spike does not flatten the curve', () => {
    const { history } = watchedRun(true);
    const losses = history.map((r) => r.loss ?? 0);
    expect(Math.max(...losses) / Math.min(...losses)).toBeGreaterThan(1e20);
    const page = diagnostics.html({ history });
    expect(page).toContain('loss (log)');
  });

  it('lists each warning once with the step it first appeared', () => {
    const { history } = watchedRun(false);
    const first = diagnostics.firstWarnings(history);
    expect(first.length).toBeGreaterThan(0);
    for (const w of first) {
      const rec = history.find((r) => r.warnings.some((x) => x.code === w.code && x.layer === w.layer));
      expect(rec?.step).toBe(w.firstStep);
    }
    const page = diagnostics.html({ history });
    expect(page).toContain('Warnings over training');
    expect(page).toContain(`<td class="n">${first[0].firstStep}</td><td><code>${first[0].code}</code>`);
  });
});

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

describeIfAvailable(CHROMIUM ? null : 'no Chromium here (apt-get install chromium; .ci/run installs it)', 'the run report in headless Chromium', () => {
  it('renders a non-blank page with coloured curves', () => {
    const { model, history, x, y } = watchedRun(false);
    const report = diagnostics.diagnose(model, x, { target: y, loss: 'crossEntropy' });
    const dir = mkdtempSync(join(tmpdir(), 'neurite-report-'));
    try {
      const file = join(dir, 'report.html'), png = join(dir, 'shot.png');
      writeFileSync(file, diagnostics.html({ report, history, epochs, title: 'neurite report render test' }));
      const r = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`,
        '--hide-scrollbars', '--window-size=1200,1600', `--screenshot=${png}`, `file://${file}`], { encoding: 'utf8', timeout: 90_000, env: foreignEnv() });
      expect(existsSync(png), `chromium wrote no screenshot (status ${r.status}): ${r.stderr?.slice(-500)}`).toBe(true);
      const img = readPng(readFileSync(png));
      expect(img.width).toBe(1200);
      let ink = 0, coloured = 0;
      for (let p = 0; p < img.width * img.height; p++) {
        const [R, G, B] = [img.rgba[4 * p], img.rgba[4 * p + 1], img.rgba[4 * p + 2]];
        if (R + G + B < 600) ink++;
        if (Math.max(R, G, B) - Math.min(R, G, B) > 80) coloured++;
      }
      const n = img.width * img.height;
      expect(ink / n).toBeGreaterThan(0.01); // text, axes and lines were drawn
      expect(coloured / n).toBeGreaterThan(0.001); // the coloured series, not only black text
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
