'use strict';
// Runs the CDK Provider framework's own runtime (framework.js and the files beside it, as a
// synthesized cloud assembly stages them) for the C# tests, the way the Lambda Node.js runtime
// would run its three handlers, in one long-lived process.
//
//   node framework-host.js <framework dir>
//
// stdin:  one JSON call per line  {"id":1,"entry":"onEvent","env":{...},"event":{...}}
// stdout: one JSON answer per call {"id":1,"ok":true,"result":...}
//         or, when the handler throws, what Lambda reports for an unhandled Node.js error:
//         {"id":1,"ok":false,"errorType":...,"errorMessage":...,"trace":[...]}
//         and {"ready":true} once the framework is loaded.
// stderr: everything else, the framework's console.log included.
//
// Environment (set by FrameworkHost.cs): AWS_ENDPOINT_URL_LAMBDA and AWS_ENDPOINT_URL_SFN point
// the AWS SDK v3 at loopback servers; FRAMEWORK_HOST_RESPONSE_ENDPOINT is where the response
// PUTs to CloudFormation's ResponseURL are sent instead; NODE_PATH finds the SDK, as the Lambda
// runtime's own NODE_PATH finds the SDK it bundles.

const path = require('path');
const http = require('http');
const https = require('https');
const readline = require('readline');
const util = require('util');
const { AsyncLocalStorage } = require('async_hooks');

// stdout carries the answers and nothing else: whatever writes to it (console.log, the SDK, a
// stray process.stdout.write) goes to stderr instead.
const answer = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);
globalThis.console = new console.Console({ stdout: process.stderr, stderr: process.stderr });

// Each call's env (the framework function's environment variables: the user functions' ARNs,
// the waiter's ARN) holds for that call and what it awaits, so that calls running at the same
// time with different functions behind them each read their own. The framework reads them from
// process.env at call time, some of them after an await.
const callEnv = new AsyncLocalStorage();
const baseEnv = process.env;
const own = (o, key) => o !== undefined && typeof key === 'string' && Object.prototype.hasOwnProperty.call(o, key);
process.env = new Proxy(baseEnv, {
  get: (target, key) => (own(callEnv.getStore(), key) ? callEnv.getStore()[key] : Reflect.get(target, key)),
  has: (target, key) => own(callEnv.getStore(), key) || Reflect.has(target, key),
});

// cfn-response.js sends the response with https.request({hostname, path, method: 'PUT', headers}):
// the ResponseURL's host and path, no port. Every https request is sent over plain http to the
// C# responses server instead, with the original host and path in headers, so nothing leaves the
// machine and the server sees the path exactly as the framework wrote it.
const responseEndpoint = new URL(process.env.FRAMEWORK_HOST_RESPONSE_ENDPOINT);
https.request = function requestToResponseEndpoint(options, callback) {
  if (typeof options !== 'object' || options instanceof URL || typeof callback !== 'function') {
    throw new Error('framework-host: expected https.request(options, callback) as cfn-response.js calls it');
  }
  return http.request({
    hostname: responseEndpoint.hostname,
    port: responseEndpoint.port,
    method: options.method,
    path: options.path,
    headers: {
      ...options.headers,
      'x-original-host': String(options.hostname ?? options.host ?? ''),
      'x-original-path': options.path,
    },
  }, callback);
};

const framework = require(path.resolve(process.argv[2], 'framework.js'));

/** What the Lambda Node.js runtime reports for an error a handler throws (its toRuntimeResponse). */
function lambdaError(error) {
  const isError = (o) => o && typeof o.name === 'string' && typeof o.message === 'string' && typeof o.stack === 'string';
  if (util.types.isNativeError(error) || isError(error)) {
    return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

const send = (message) => answer(JSON.stringify(message) + '\n');

let running = 0;
let inputClosed = false;
const exitWhenIdle = () => { if (inputClosed && running === 0) process.exit(0); };

async function run(call) {
  running++;
  try {
    await runOne(call);
  } finally {
    running--;
    exitWhenIdle();
  }
}

async function runOne(call) {
  const handler = framework[call.entry];
  if (typeof handler !== 'function') {
    send({ id: call.id, hostError: `framework.js has no export "${call.entry}"; it has ${Object.keys(framework).join(', ')}` });
    return;
  }
  try {
    const result = await callEnv.run({ ...call.env }, () => handler(call.event));
    // Lambda returns JSON.stringify(result), and null for undefined.
    send({ id: call.id, ok: true, result: result === undefined ? null : result });
  } catch (error) {
    send({ id: call.id, ok: false, ...lambdaError(error) });
  }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  let call;
  try {
    call = JSON.parse(line);
  } catch (error) {
    send({ id: null, hostError: `not a JSON call: ${error.message}` });
    return;
  }
  run(call);
});
// The C# side closing stdin means it sends no more calls: answer those under way, then end.
lines.on('close', () => { inputClosed = true; exitWhenIdle(); });

send({ ready: true });
