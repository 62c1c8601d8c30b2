// Starts a real build/nimbus on an ephemeral port with a temporary data dir,
// for the AWS SDK for JavaScript v3 suites (node --test).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SignatureV4 } from '@smithy/signature-v4';

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

class Sha256 {
  constructor(secret) {
    this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
  }
  update(data) {
    this.hash.update(data);
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

// A signed IAM query as the root pair (the IAM client is not among the
// pinned packages); asserts a 200 and returns the XML answer.
export async function iamQuery(endpoint, params) {
  const url = new URL(endpoint);
  const body = new URLSearchParams({ Version: '2010-05-08', ...params }).toString();
  const signer = new SignatureV4({ credentials, region, service: 'iam', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const res = await fetch(endpoint + '/', { method: 'POST', headers: signed.headers, body });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return text;
}
