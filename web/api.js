// Calls to mfad's JSON API. The session travels in the HttpOnly cookie, which scripts cannot
// read. The CSRF token from the server's responses stays in this module's memory only.

let csrfToken = '';

export class ApiError extends Error {
	constructor(status, body, retryAfter) {
		super((body && body.message) || `The server returned HTTP ${status}.`);
		this.status = status;
		this.code = (body && body.code) || 'HTTP' + status;
		this.body = body || {};
		this.retryAfter = retryAfter; // seconds, or 0 without a Retry-After header
	}
}

function keepCsrf(body) {
	if (body && typeof body.CsrfToken === 'string')
		csrfToken = body.CsrfToken;
}

async function parse(resp) {
	let body = null;

	try {
		body = await resp.json();
	} catch {
		body = null;
	}
	keepCsrf(body);
	if (!resp.ok)
		throw new ApiError(resp.status, body, Number(resp.headers.get('Retry-After')) || 0);
	return body || {};
}

// POST /api/v1/ACTION with a JSON body. Every POST carries the CSRF token.
export async function call(action, body = {}) {
	const resp = await fetch('/api/v1/' + action, {
		method: 'POST',
		credentials: 'same-origin',
		headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken },
		body: JSON.stringify(body),
	});
	return parse(resp);
}

// GET /api/v1/WhoAmI: the session, or null when there is none.
export async function whoAmI() {
	const resp = await fetch('/api/v1/WhoAmI', { credentials: 'same-origin' });

	try {
		return await parse(resp);
	} catch (e) {
		if (e instanceof ApiError && e.status === 401)
			return null;
		throw e;
	}
}

export function forgetCsrf() {
	csrfToken = '';
}
