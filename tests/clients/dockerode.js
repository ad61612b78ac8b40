// dockerode.js SOCKET IMAGE - dockerode (npm) against `skiff serve`:
// create, attach before start, start, wait, logs, exec, inspect, remove.
// Prints "dockerode-ok" when every step held; throws otherwise.
'use strict';
const assert = require('assert');
const Docker = require('dockerode');

const [sock, image] = process.argv.slice(2);
const docker = new Docker({ socketPath: sock });

function collect(stream) {
  return new Promise((resolve, reject) => {
    const out = [], err = [];
    const sink = (arr) => ({ write: (b) => arr.push(Buffer.from(b)), end() {}, on() {}, once() {}, emit() {} });
    docker.modem.demuxStream(stream, sink(out), sink(err));
    stream.on('end', () => resolve({ out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }));
    stream.on('error', reject);
  });
}

(async () => {
  assert.strictEqual((await docker.ping()).toString(), 'OK');
  const v = await docker.version();
  assert.strictEqual(v.ApiVersion, '1.51');

  const c = await docker.createContainer({
    Image: image, Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
    Labels: { via: 'dockerode' }, AttachStdout: true, AttachStderr: true,
  });
  const stream = await c.attach({ stream: true, stdout: true, stderr: true });
  const got = collect(stream);
  await c.start();
  const w = await c.wait();
  assert.strictEqual(w.StatusCode, 3);
  const { out, err } = await got;
  assert.strictEqual(out, 'out\n');
  assert.strictEqual(err, 'err\n');

  const logs = await c.logs({ stdout: true, stderr: true, follow: false });
  assert.ok(logs.toString().includes('out'));
  const info = await c.inspect();
  assert.strictEqual(info.State.ExitCode, 3);
  assert.strictEqual(info.Config.Labels.via, 'dockerode');
  await c.remove();

  const r = await docker.createContainer({ Image: image, Cmd: ['sleep', '30'] });
  await r.start();
  const ex = await r.exec({ Cmd: ['sh', '-c', 'echo in-exec; exit 4'], AttachStdout: true, AttachStderr: true });
  const es = await ex.start({ hijack: true, stdin: false });
  const eo = await collect(es);
  assert.strictEqual(eo.out, 'in-exec\n');
  const ei = await ex.inspect();
  assert.strictEqual(ei.ExitCode, 4);
  assert.strictEqual(ei.Running, false);
  const list = await docker.listContainers({ filters: { id: [r.id] } });
  assert.strictEqual(list.length, 1);
  await r.remove({ force: true });
  console.log('dockerode-ok');
})().catch((e) => { console.error(e); process.exit(1); });
