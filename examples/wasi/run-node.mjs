// run-node.mjs - run a WASI preview1 module under Node.js's node:wasi, as a
// second opinion next to Tarn. Works with Node 20.
//
//   node --no-warnings run-node.mjs [--dir HOST[::GUEST]]... [--env NAME=VALUE]...
//                                   MODULE.wasm [ARGS...]
//
// --dir   preopen host directory HOST as GUEST (GUEST defaults to HOST, so
//         `--dir .` preopens the current directory as ".").
// --env   set an environment variable for the module; nothing of the host's
//         environment is passed unless given here.
// The module's argv[0] is the file name of MODULE.wasm; ARGS follow it.
// stdin, stdout and stderr are the host's. The exit status is the module's.
//
// Keep process.stdin/stdout/stderr untouched on the normal path (this is why
// nothing is imported from 'node:process': building that namespace reads
// those getters). Touching them makes Node put a piped stdio fd in
// non-blocking mode, and the module's writes to a slow pipe then fail with
// EAGAIN.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { WASI } from 'node:wasi';

function usage(msg) {
  if (msg) console.error(`run-node.mjs: ${msg}`);
  console.error('usage: node --no-warnings run-node.mjs [--dir HOST[::GUEST]]... ' +
                '[--env NAME=VALUE]... MODULE.wasm [ARGS...]');
  process.exit(2);
}

const preopens = {};
const env = {};
const rest = process.argv.slice(2);
while (rest.length > 0 && rest[0].startsWith('--')) {
  const opt = rest.shift();
  if (opt === '--') break;
  const val = rest.shift();
  if (val === undefined) usage(`${opt} needs a value`);
  if (opt === '--dir') {
    const i = val.indexOf('::');
    const [host, guest] = i < 0 ? [val, val] : [val.slice(0, i), val.slice(i + 2)];
    preopens[guest] = host;
  } else if (opt === '--env') {
    const i = val.indexOf('=');
    if (i <= 0) usage(`--env wants NAME=VALUE, got ${val}`);
    env[val.slice(0, i)] = val.slice(i + 1);
  } else {
    usage(`unknown option ${opt}`);
  }
}
const modulePath = rest.shift();
if (!modulePath) usage('no module given');

const wasi = new WASI({
  version: 'preview1',
  args: [basename(modulePath), ...rest],
  env,
  preopens,
  returnOnExit: true, // proc_exit returns its status from start()
});

const module = await WebAssembly.compile(await readFile(modulePath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const status = wasi.start(instance);
// exitCode rather than exit(): lets pending stdio drain before Node exits.
process.exitCode = status;
