// testcontainers.js IMAGE - testcontainers-node (npm) against `skiff serve`
// (DOCKER_HOST set by the caller; Ryuk off: its image is on Docker Hub):
// a container with an exposed port, a log wait strategy, exec, an HTTP call
// through the mapped port on 127.0.0.1, stop and removal.
'use strict';
const assert = require('assert');
const { GenericContainer, Wait } = require('testcontainers');

(async () => {
  const c = await new GenericContainer(process.argv[2])
    .withCommand(['sh', '-c', 'echo tc-host >/tmp/name; echo ready; exec httpd -f -p 8080 -h /tmp'])
    .withExposedPorts(8080)
    .withLabels({ via: 'testcontainers' })
    .withWaitStrategy(Wait.forLogMessage('ready'))
    .start();
  const r = await c.exec(['sh', '-c', 'echo in-tc; exit 2']);
  assert.strictEqual(r.exitCode, 2);
  assert.strictEqual(r.output, 'in-tc\n');
  const res = await fetch(`http://127.0.0.1:${c.getMappedPort(8080)}/name`);
  assert.strictEqual(res.status, 200);
  assert.strictEqual(await res.text(), 'tc-host\n');
  await c.stop();
  console.log('testcontainers-ok');
})().catch((e) => { console.error(e); process.exit(1); });
