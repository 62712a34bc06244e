// The peer protocol, JS side: one JSON request per stdin line, one reply per stdout line
// prefixed with '@@' (libraries may print their own lines; the parent ignores those).
//   {op:'setup', id, dir, names}  -> {ok} | {skip: why}
//   {op:'time', id, iters}        -> {sec}   (total seconds for iters calls)
//   {op:'result', id, path}       -> {ok}    (writes the case's result as raw float32)
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import { loadData } from '../lib/data.mjs';

export function serve(info, setup) {
  const cases = new Map();
  const reply = (o) => process.stdout.write(`@@${JSON.stringify(o)}\n`);
  const rl = createInterface({ input: process.stdin });
  let chain = Promise.resolve();
  rl.on('line', (line) => {
    chain = chain.then(() => handle(JSON.parse(line))).catch((e) => reply({ error: String(e?.stack || e) }));
  });
  rl.on('close', () => { chain.then(() => process.exit(0)); });
  async function handle(m) {
    if (m.op === 'info') return reply(await info());
    if (m.op === 'setup') {
      const s = await setup(m.id, loadData(m.dir, m.id, m.names));
      if (!s || s.skip) return reply({ skip: s?.skip ?? 'not implemented by this peer' });
      cases.set(m.id, s);
      return reply({ ok: true });
    }
    const s = cases.get(m.id);
    if (m.op === 'time') {
      const fn = s.fn;
      let sec;
      if (s.async) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < m.iters; i++) await fn();
        sec = Number(process.hrtime.bigint() - t0) / 1e9;
      } else {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < m.iters; i++) fn();
        sec = Number(process.hrtime.bigint() - t0) / 1e9;
      }
      return reply({ sec });
    }
    if (m.op === 'result') {
      const r = await s.result();
      writeFileSync(m.path, new Uint8Array(r.buffer, r.byteOffset, r.byteLength));
      return reply({ ok: true });
    }
    if (m.op === 'drop') { s?.dispose?.(); cases.delete(m.id); return reply({ ok: true }); }
    throw new Error(`unknown op ${m.op}`);
  }
}
