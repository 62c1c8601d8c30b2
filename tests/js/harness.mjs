// Starts a real build/nimbus on an ephemeral port with a temporary data dir,
// for the AWS SDK for JavaScript v3 suites (node --test).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
export const region = 'us-east-1';
export const account = '000000000000';

export async function startServer(...extraArgs) {
  const bin = process.env.NIMBUS_BIN ?? join(root, 'build', 'nimbus');
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-js-'));
  const proc = spawn(bin, ['serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((ok, fail) => {
    const rl = createInterface({ input: proc.stdout });
    rl.once('line', (l) => { rl.close(); ok(l); });
    proc.once('exit', (code) => fail(new Error(`nimbus exited with ${code} before listening`)));
  });
  const m = /listening on http:\/\/[^:]+:(\d+)/.exec(line);
  if (!m) throw new Error(`unexpected first line from nimbus: ${line}`);
  const endpoint = `http://127.0.0.1:${m[1]}`;
  return {
    endpoint,
    clientConfig: { endpoint, region, credentials, maxAttempts: 1 },
    async stop() {
      const exited = new Promise((ok) => proc.once('exit', ok));
      proc.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
