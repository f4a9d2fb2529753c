// Small DOM helpers, error wording and the step-up dialog shared by every page.

import { ApiError, call } from './api.js';
import * as webauthn from './webauthn.js';

let fieldCount = 0;

// Build an element. attrs: properties and attributes; 'on' maps events to handlers.
// Children are nodes or strings; strings become text, never HTML.
export function h(tag, attrs = {}, ...children) {
	const el = document.createElement(tag);

	for (const [k, v] of Object.entries(attrs)) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k === 'on')
			for (const [ev, fn] of Object.entries(v))
				el.addEventListener(ev, fn);
		else if (k === 'class')
			el.className = v;
		else if (k in el && typeof v !== 'string')
			el[k] = v;
		else
			el.setAttribute(k, v === true ? '' : v);
	}
	for (const c of children.flat())
		if (c !== null && c !== undefined && c !== false)
			el.append(c instanceof Node ? c : String(c));
	return el;
}

// A labelled input: returns the <label> with the input inside, and the input as .input.
export function field(labelText, attrs = {}) {
	const id = attrs.id || 'f' + ++fieldCount;
	const input = h('input', { type: 'text', name: id, ...attrs, id });
	const label = h('label', { for: id }, labelText, input);

	label.input = input;
	return label;
}

export function codeField(labelText, attrs = {}) {
	return field(labelText, { class: 'code', inputmode: 'numeric', autocomplete: 'one-time-code',
		pattern: '[0-9]{6}', maxlength: '6', required: true, ...attrs });
}

export function checkbox(labelText, checked, attrs = {}) {
	const input = h('input', { type: 'checkbox', checked, ...attrs });
	const label = h('label', { class: 'check' }, input, labelText);

	label.input = input;
	return label;
}

// A message area that screen readers announce when it changes.
export function messageBox() {
	const box = h('div', { class: 'msg', role: 'status', 'aria-live': 'polite' });

	box.show = (kind, text) => {
		box.className = 'msg ' + kind;
		box.textContent = text;
	};
	box.clear = () => box.show('', '');
	return box;
}

export function formatTime(unix) {
	if (!unix)
		return '—';
	return new Date(unix * 1000).toLocaleString();
}

// A plain sentence for an API error; mfad's own message already names the field or limit.
export function describe(e) {
	if (!(e instanceof ApiError))
		return webauthn.describeError(e);
	switch (e.code) {
	case 'InvalidCredentials':
		return 'Wrong sign-in name or password.';
	case 'InvalidMFACode':
		return 'Wrong code. ' + e.message;
	case 'MFACodeReused':
		return 'This code was already used. Wait for the next code in your app and enter that one.';
	case 'LogonLocked':
		return `Too many failed attempts: sign-in is locked. Try again in ${e.retryAfter || 'a few'} seconds.`;
	case 'NotAuthenticated':
		return 'Your session has ended. Sign in again.';
	case 'ServiceBusy':
		return 'The server is busy. Try again in a moment.';
	default:
		return e.message;
	}
}

// Disable a form's controls while fn runs, so a double click sends one request.
export async function busy(form, fn) {
	const controls = [...form.querySelectorAll('button, input, select')];
	const was = controls.map((c) => c.disabled);

	controls.forEach((c) => { c.disabled = true; });
	try {
		return await fn();
	} finally {
		controls.forEach((c, i) => { c.disabled = was[i]; });
	}
}

const METHOD_NAMES = { totp: 'Code from your authenticator app', passkey: 'Passkey',
	email: 'Code sent to your security email' };

export function methodName(m) {
	return METHOD_NAMES[m] || m;
}

// Run fn; when mfad responds with 403 MFARequired, ask for a step-up in a dialog with the methods
// it lists, then run fn once more. Resolves with fn's result, or rejects with the error.
export async function withStepUp(fn) {
	try {
		return await fn();
	} catch (e) {
		if (!(e instanceof ApiError) || e.code !== 'MFARequired')
			throw e;
		await stepUpDialog(e.body.Methods || []);
		return fn();
	}
}

function stepUpDialog(methods) {
	return new Promise((resolve, reject) => {
		const msg = messageBox();
		const dialog = h('dialog', { 'aria-labelledby': 'stepup-title', class: 'stepup' });
		const close = (err) => {
			dialog.close();
			dialog.remove();
			if (err)
				reject(err);
			else
				resolve();
		};
		const cancel = h('button', { type: 'button', class: 'secondary',
			on: { click: () => close(new Error('The change was cancelled: it needs a second factor.')) } },
		'Cancel');

		dialog.addEventListener('cancel', (ev) => {
			ev.preventDefault();
			close(new Error('The change was cancelled: it needs a second factor.'));
		});
		dialog.append(h('h2', { id: 'stepup-title' }, 'Confirm it is you'),
			h('p', {}, 'This change needs a second factor proven in the last few minutes.'), msg);
		if (methods.length === 0)
			msg.show('error', 'Your session is too old for this change and you have no second factor. Sign out and sign in again.');
		for (const m of methods)
			dialog.append(stepUpMethod(m, msg, close));
		dialog.append(h('div', { class: 'row' }, cancel));
		document.body.append(dialog);
		dialog.showModal();
	});
}

function stepUpMethod(method, msg, close) {
	if (method === 'passkey') {
		const form = h('form', {}, h('button', { type: 'submit', class: 'secondary' }, 'Use a passkey'));

		form.addEventListener('submit', (ev) => {
			ev.preventDefault();
			busy(form, async () => {
				try {
					const { Options } = await call('StartStepUpPasskey');
					const cred = await webauthn.get(Options);
					await call('StepUp', { Method: 'passkey', Credential: cred });
					close();
				} catch (e) {
					msg.show('error', describe(e));
				}
			});
		});
		return form;
	}

	const code = codeField(methodName(method));
	const send = method === 'email' ? h('button', { type: 'button', class: 'secondary' }, 'Send code') : null;
	const confirmText = method === 'email' ? 'Confirm with the email code' : 'Confirm with the app code';
	const form = h('form', {}, send, code, h('button', { type: 'submit' }, confirmText));

	if (send)
		send.addEventListener('click', () => busy(form, async () => {
			try {
				const r = await call('SendStepUpEmailCode');
				msg.show('info', `A code was sent to ${r.Destination}.`);
				code.input.focus();
			} catch (e) {
				msg.show('error', describe(e));
			}
		}));
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(form, async () => {
			try {
				await call('StepUp', { Method: method, Code: code.input.value.trim() });
				close();
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
	});
	return form;
}
