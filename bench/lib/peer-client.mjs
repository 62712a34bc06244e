// The parent's end of the peer protocol (bench/peers/serve.mjs): spawn, request, reply.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export function startPeer(side) {
  const p = spawn(side.cmd[0], side.cmd.slice(1), { env: { ...process.env, ...side.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = [];
  let stderr = '';
  let dead = null;
  p.stderr.on('data', (b) => { stderr = (stderr + b).slice(-4000); });
  createInterface({ input: p.stdout }).on('line', (l) => {
    if (!l.startsWith('@@')) return;
    waiting.shift()?.resolve(JSON.parse(l.slice(2)));
  });
  p.on('exit', (code) => {
    dead = `exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
    for (const w of waiting.splice(0)) w.resolve({ error: dead });
  });
  p.on('error', (e) => { dead = String(e); });
  return {
    side,
    request(msg, timeoutMs = 600000) {
      if (dead) return Promise.resolve({ error: dead });
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve({ error: `no reply in ${timeoutMs / 1000} s to ${msg.op}` }), timeoutMs);
        waiting.push({ resolve: (v) => { clearTimeout(t); resolve(v); } });
        p.stdin.write(`${JSON.stringify(msg)}\n`);
      });
    },
    stop() { p.stdin.end(); setTimeout(() => p.kill(), 2000).unref(); },
  };
}
