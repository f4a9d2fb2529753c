// SPDX-License-Identifier: MIT
// Record WebAuthn registration and assertion responses from Chromium's
// virtual authenticator (driven over CDP) as test data for mfactl's passkey
// commands. It is run by hand as tests/data/chromium/README.md shows, and
// CI only reads the files it writes.
//
// Usage: node record-passkey.mjs [OUT_DIR]   (default ../data/chromium)
// Environment: CHROMIUM (default /usr/bin/chromium).
//
// Only loopback traffic: the page is served on 127.0.0.1 and Chromium maps
// "localhost" to that address, because localhost is a secure context and so
// a valid RP ID without TLS.

import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = resolve(process.argv[2] ?? join(HERE, '..', 'data', 'chromium'));
const RP_ID = 'localhost';

// COSE algorithm identifiers (IANA "COSE Algorithms").
const ES256 = -7;
const EDDSA = -8;
const RS256 = -257;

// One recording per case: a fresh virtual authenticator, one registration
// and two assertions, so that tests see the sign count grow.
const CASES = [
	{ name: 'es256', alg: ES256, attestation: 'none', protocol: 'ctap2', transport: 'internal' },
	{ name: 'es256-packed', alg: ES256, attestation: 'direct', protocol: 'ctap2', transport: 'internal' },
	{ name: 'eddsa', alg: EDDSA, attestation: 'none', protocol: 'ctap2', transport: 'internal' },
	{ name: 'rs256', alg: RS256, attestation: 'none', protocol: 'ctap2', transport: 'internal' },
	// A U2F key cannot verify the user, so this case requests no user verification.
	{ name: 'u2f', alg: ES256, attestation: 'direct', protocol: 'u2f', transport: 'usb' },
];

const PAGE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>mfad passkey recorder</title></head>
<body>
<script>
function fromB64url(s) {
	const b = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
	return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

window.register = async (o) => {
	const cred = await navigator.credentials.create({ publicKey: {
		rp: { id: o.rpId, name: 'mfad test' },
		user: { id: fromB64url(o.userId), name: 'alice@example', displayName: 'Alice' },
		challenge: fromB64url(o.challenge),
		pubKeyCredParams: [{ type: 'public-key', alg: o.alg }],
		authenticatorSelection: { residentKey: o.residentKey, userVerification: o.uv },
		attestation: o.attestation,
		timeout: 10000,
	} });
	return cred.toJSON();
};

window.authenticate = async (o) => {
	const cred = await navigator.credentials.get({ publicKey: {
		rpId: o.rpId,
		challenge: fromB64url(o.challenge),
		allowCredentials: [{ type: 'public-key', id: fromB64url(o.credentialId) }],
		userVerification: o.uv,
		timeout: 10000,
	} });
	return cred.toJSON();
};
</script>
</body></html>
`;

function b64url(buf) {
	return Buffer.from(buf).toString('base64url');
}

// A fixed 32-byte value per case and purpose, so that a new recording keeps
// its challenges and user handle.
function fixedBytes(caseName, purpose) {
	return createHash('sha256').update(`mfad ${caseName} ${purpose}`).digest();
}

// Cut the COSE public key out of the authenticator data of a registration:
// rpIdHash (32), flags (1), signCount (4), AAGUID (16), credential ID
// length (2), the credential ID, then the key up to the end. Only valid
// without extension data (flag ED), which the recorder checks.
function coseKeyFromAuthData(authData) {
	const flags = authData[32];

	if ((flags & 0x40) === 0 || (flags & 0x80) !== 0)
		throw new Error(`unexpected authenticator data flags 0x${flags.toString(16)}`);
	const idLen = authData.readUInt16BE(53);
	return authData.subarray(55 + idLen);
}

function serve() {
	const server = createServer((req, res) => {
		if (req.url !== '/') {
			res.writeHead(404).end();
			return;
		}
		res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
	});

	return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

async function writeJson(dir, name, value) {
	await writeFile(join(dir, name), JSON.stringify(value, null, 2) + '\n');
}

async function recordCase(page, cdp, origin, c) {
	const uv = c.protocol === 'ctap2' ? 'required' : 'discouraged';
	const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
		options: {
			protocol: c.protocol,
			ctap2Version: c.protocol === 'ctap2' ? 'ctap2_1' : undefined,
			transport: c.transport,
			hasResidentKey: c.protocol === 'ctap2',
			hasUserVerification: c.protocol === 'ctap2',
			isUserVerified: true,
			automaticPresenceSimulation: true,
		},
	});
	const regChallenge = b64url(fixedBytes(c.name, 'registration challenge'));
	const registration = await page.evaluate((o) => window.register(o), {
		rpId: RP_ID,
		userId: b64url(fixedBytes(c.name, 'user handle')),
		challenge: regChallenge,
		alg: c.alg,
		attestation: c.attestation,
		residentKey: c.protocol === 'ctap2' ? 'required' : 'discouraged',
		uv,
	});
	const authData = Buffer.from(registration.response.authenticatorData, 'base64url');

	const assertions = [];
	for (const n of [1, 2]) {
		const challenge = b64url(fixedBytes(c.name, `assertion challenge ${n}`));
		const response = await page.evaluate((o) => window.authenticate(o), {
			rpId: RP_ID,
			challenge,
			credentialId: registration.rawId,
			uv,
		});
		const ad = Buffer.from(response.response.authenticatorData, 'base64url');
		assertions.push({ challenge, response, signCount: ad.readUInt32BE(33) });
	}
	await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });

	const dir = join(OUT_DIR, c.name);
	await mkdir(dir, { recursive: true });
	await writeJson(dir, 'registration.json', registration);
	await writeJson(dir, 'assertion.json', assertions[0].response);
	await writeJson(dir, 'assertion-2.json', assertions[1].response);
	await writeJson(dir, 'ceremony.json', {
		rpId: RP_ID,
		origin,
		alg: c.alg,
		attestation: c.attestation,
		protocol: c.protocol,
		userVerification: uv,
		registrationChallenge: regChallenge,
		registrationSignCount: authData.readUInt32BE(33),
		registrationFlags: authData[32],
		coseKey: b64url(coseKeyFromAuthData(authData)),
		assertionChallenge: assertions[0].challenge,
		assertionSignCount: assertions[0].signCount,
		assertion2Challenge: assertions[1].challenge,
		assertion2SignCount: assertions[1].signCount,
		recordedWith: `Chromium ${page.context().browser().version()}, playwright-core ${c.pw}`,
		recordedAt: new Date().toISOString(),
	});
	console.log(`${c.name}: ${registration.response.publicKeyAlgorithm} ` +
	    `counts ${assertions.map((a) => a.signCount).join(' ')} -> ${dir}`);
}

async function main() {
	const server = await serve();
	const port = server.address().port;
	const origin = `http://localhost:${port}`;
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
		headless: true,
		args: ['--host-resolver-rules=MAP localhost 127.0.0.1'],
	});
	const pwPackage = join(HERE, 'node_modules', 'playwright-core', 'package.json');
	const pw = JSON.parse(await readFile(pwPackage, 'utf8')).version;
	let failed = false;

	try {
		const page = await browser.newPage();
		await page.goto(`${origin}/`);
		const cdp = await page.context().newCDPSession(page);
		await cdp.send('WebAuthn.enable', { enableUI: false });
		for (const c of CASES) {
			try {
				await recordCase(page, cdp, origin, { ...c, pw });
			} catch (e) {
				console.error(`${c.name}: not recorded: ${e.message.split('\n')[0]}`);
				failed = true;
			}
		}
	} finally {
		await browser.close();
		server.close();
	}
	process.exitCode = failed ? 1 : 0;
}

await main();
