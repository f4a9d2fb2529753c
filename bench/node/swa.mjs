// SimpleWebAuthn side of the ES256 assertion benchmark. Reads the fixture that
// `bench_webauthn --serve FILE` wrote, then, for each iteration count read from
// stdin, verifies the assertion that many times in sequence and prints
// nanoseconds per verification, so that bench/bench.py can alternate it with
// libmfa in one run.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';

const fx = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const options = {
  response: {
    id: fx.credentialId,
    rawId: fx.credentialId,
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: fx.clientDataJSON,
      authenticatorData: fx.authenticatorData,
      signature: fx.signature,
    },
  },
  expectedChallenge: fx.challenge,
  expectedOrigin: fx.origin,
  expectedRPID: fx.rpId,
  credential: {
    id: fx.credentialId,
    publicKey: new Uint8Array(Buffer.from(fx.publicKey, 'base64url')),
    counter: 0,
  },
  requireUserVerification: true,
};

async function batch(n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const res = await verifyAuthenticationResponse(options);
    if (!res.verified) throw new Error('SimpleWebAuthn did not verify the assertion');
  }
  return Number(process.hrtime.bigint() - t0) / n;
}

await batch(500); // warm up the JIT before the first timed batch
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const n = parseInt(line, 10);
  if (!(n > 0)) break;
  process.stdout.write(`${(await batch(n)).toPrecision(6)}\n`);
}
