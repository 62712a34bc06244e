// The example service (examples/service/server.mjs, on the built package): loads a
// safetensors model, answers /predict with the model's classes, and rejects bad requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, manualSeed, nn, noGrad, randn } from '../lib/index.js';

describe('examples/service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-svc-'));
  const path = join(dir, 'model.safetensors');
  manualSeed(12);
  const model = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 3)).eval();
  let svc: { port: number; close(): Promise<void> };

  beforeAll(async () => {
    await io.saveSafetensors(path, model.stateDict());
    const { startServer } = await import('../examples/service/server.mjs' as string);
    svc = await startServer({ modelPath: path, poolSize: 2 });
  });
  afterAll(async () => {
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const r = await fetch(`http://127.0.0.1:${svc.port}/predict`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };

  it('answers predictions equal to the model, concurrently', async () => {
    const xs = Array.from({ length: 10 }, () => randn([3, 8]));
    const replies = await Promise.all(xs.map((x) => post({ inputs: x.toArray() })));
    replies.forEach((r, i) => {
      expect(r.status).toBe(200);
      const want = noGrad(() => model.forward(xs[i])).argmax(-1);
      expect(r.json.classes).toEqual(Array.from(want.data));
      expect((r.json.probabilities as number[][])[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    });
    const health = await (await fetch(`http://127.0.0.1:${svc.port}/health`)).json();
    expect(health.ok).toBe(true);
  });

  it('rejects bad requests with 400 and a reason', async () => {
    expect(await post('not json')).toMatchObject({ status: 400, json: { error: 'body is not JSON' } });
    expect(await post({ inputs: [[1, 2, 3]] })).toMatchObject({ status: 400, json: { error: 'inputs[0] must be 8 finite numbers' } });
    expect((await post({ inputs: [] })).status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${svc.port}/nope`)).status).toBe(404);
  });
});
