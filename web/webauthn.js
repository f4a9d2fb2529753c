// Browser WebAuthn calls with the JSON forms that mfad sends and reads: options as
// PublicKeyCredential.parse*OptionsFromJSON takes them, credentials as toJSON() returns them.

function fromB64url(s) {
	const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
	return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function toB64url(buf) {
	let bin = '';

	for (const b of new Uint8Array(buf))
		bin += String.fromCharCode(b);
	return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function descriptors(list) {
	return (list || []).map((d) => ({ ...d, id: fromB64url(d.id) }));
}

// Fallbacks for browsers without the JSON helpers (before Chromium 129 or Safari 18).
function creationOptions(o) {
	if (PublicKeyCredential.parseCreationOptionsFromJSON)
		return PublicKeyCredential.parseCreationOptionsFromJSON(o);
	return { ...o, challenge: fromB64url(o.challenge),
		user: { ...o.user, id: fromB64url(o.user.id) },
		excludeCredentials: descriptors(o.excludeCredentials) };
}

function requestOptions(o) {
	if (PublicKeyCredential.parseRequestOptionsFromJSON)
		return PublicKeyCredential.parseRequestOptionsFromJSON(o);
	return { ...o, challenge: fromB64url(o.challenge),
		allowCredentials: descriptors(o.allowCredentials) };
}

function credentialJSON(cred) {
	if (typeof cred.toJSON === 'function')
		return cred.toJSON();
	const r = cred.response;
	const response = { clientDataJSON: toB64url(r.clientDataJSON) };

	if (r.attestationObject) {
		response.attestationObject = toB64url(r.attestationObject);
		response.transports = r.getTransports ? r.getTransports() : [];
	} else {
		response.authenticatorData = toB64url(r.authenticatorData);
		response.signature = toB64url(r.signature);
		if (r.userHandle)
			response.userHandle = toB64url(r.userHandle);
	}
	return { id: cred.id, rawId: toB64url(cred.rawId), type: cred.type, response,
		clientExtensionResults: cred.getClientExtensionResults() };
}

export function supported() {
	return typeof window.PublicKeyCredential === 'function';
}

export async function conditionalSupported() {
	return supported() && typeof PublicKeyCredential.isConditionalMediationAvailable === 'function' &&
		PublicKeyCredential.isConditionalMediationAvailable();
}

export async function create(options) {
	const cred = await navigator.credentials.create({ publicKey: creationOptions(options) });
	return credentialJSON(cred);
}

// signal aborts a waiting request; mediation 'conditional' offers passkeys in autofill.
export async function get(options, { mediation, signal } = {}) {
	const req = { publicKey: requestOptions(options) };

	if (mediation)
		req.mediation = mediation;
	if (signal)
		req.signal = signal;
	const cred = await navigator.credentials.get(req);
	return credentialJSON(cred);
}

// A plain sentence for an error of navigator.credentials.
export function describeError(e) {
	if (e && e.name === 'NotAllowedError')
		return 'The passkey request was cancelled or timed out. Try again.';
	if (e && e.name === 'InvalidStateError')
		return 'This authenticator already holds a passkey for this user.';
	if (e && e.name === 'SecurityError')
		return 'The browser refused the passkey request for this site name (relying party ID).';
	return (e && e.message) || String(e);
}
