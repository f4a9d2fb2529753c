// The console's entry point: a hash router over the pages, the sign-in flow and the forced
// steps (new password, first factor). "My security" is in security.js, the owner's pages in
// admin.js.

import { ApiError, call, forgetCsrf, whoAmI } from './api.js';
import { adminAudit, adminPasswordPolicy, adminSettings, adminUser, adminUsers } from './admin.js';
import { passkeyRegister, securityPage, vmfaSetup } from './security.js';
import { busy, checkbox, codeField, describe, field, h, messageBox, methodName, withStepUp } from './ui.js';
import * as webauthn from './webauthn.js';

const EMAIL_RESEND_S = 60; // seconds: mfad's default mail.resend_interval, until a 429 gives Retry-After

// who: the WhoAmI response, or null without a session. logon: the pending second factor step.
const state = { who: null, logon: null, conditional: null };

function go(route) {
	if (location.hash === '#' + route)
		render();
	else
		location.hash = route;
}

// The route a session may see: restricted sessions are held on their one page.
function allowedRoute(route) {
	const who = state.who;

	if (!who)
		return route === '/mfa' && state.logon ? route : '/logon';
	if (who.Scope === 'bind-mfa')
		return '/bind';
	if (who.Scope === 'change-password')
		return '/password';
	if (route.startsWith('/admin') && who.IsOwner)
		return route;
	return '/security';
}

function navLink(href, text, current) {
	return h('a', { href: '#' + href, 'aria-current': current ? 'page' : null }, text);
}

function renderNav(route) {
	const nav = document.getElementById('nav');
	const who = state.who;

	nav.hidden = !who;
	if (!who) {
		nav.replaceChildren();
		return;
	}
	const links = [];
	if (who.Scope === 'full') {
		links.push(navLink('/security', 'My security', route === '/security'));
		if (who.IsOwner) {
			links.push(navLink('/admin/users', 'Users', route.startsWith('/admin/user')));
			links.push(navLink('/admin/settings', 'Settings', route === '/admin/settings'));
			links.push(navLink('/admin/password-policy', 'Password policy', route === '/admin/password-policy'));
			links.push(navLink('/admin/audit', 'Audit log', route === '/admin/audit'));
		}
	}
	const logout = h('button', { type: 'button', class: 'secondary', on: { click: signOut } }, 'Sign out');
	nav.replaceChildren(...links, h('span', { class: 'who' }, who.Principal), logout);
}

async function signOut() {
	try {
		await call('Logout');
	} catch {
		// The session may have ended already, and the page drops it either way.
	}
	forgetCsrf();
	state.who = null;
	state.logon = null;
	go('/logon');
}

async function render() {
	const requested = location.hash.replace(/^#/, '') || '/';
	const route = allowedRoute(requested);
	const main = document.getElementById('main');

	if (route !== requested) {
		history.replaceState(null, '', '#' + route);
	}
	if (state.conditional && route !== '/logon') {
		state.conditional.abort();
		state.conditional = null;
	}
	renderNav(route);

	let page;
	try {
		page = await pageFor(route);
	} catch (e) {
		page = h('div', {}, h('h1', {}, 'Something went wrong'), h('p', { class: 'msg error' }, describe(e)));
		if (e instanceof ApiError && e.status === 401) {
			state.who = null;
			return go('/logon');
		}
	}
	main.replaceChildren(page);
	const title = page.querySelector('h1');
	document.title = (title ? title.textContent + ' – ' : '') + 'mfad console';
	const first = page.querySelector('[autofocus]');
	(first || main).focus();
}

function pageFor(route) {
	if (route === '/logon')
		return logonPage();
	if (route === '/mfa')
		return mfaPage();
	if (route === '/password')
		return passwordPage();
	if (route === '/bind')
		return bindPage();
	if (route === '/admin/users')
		return adminUsers(go);
	if (route.startsWith('/admin/user/'))
		return adminUser(decodeURIComponent(route.slice('/admin/user/'.length)), go);
	if (route === '/admin/settings')
		return adminSettings();
	if (route === '/admin/password-policy')
		return adminPasswordPolicy();
	if (route === '/admin/audit')
		return adminAudit();
	return securityPage(state.who, refreshSession);
}

// Reload the session after a change that may replace it (a bound factor, a new password).
async function refreshSession() {
	state.who = await whoAmI();
	await render();
}

// Continue after Login, LoginMFA or LoginPasskey, by the Status of the response.
async function afterLogon(resp, principal) {
	if (resp.Status === 'MFARequired') {
		state.logon = { principal, challenge: resp.Challenge, methods: resp.Methods || [],
			expires: resp.ChallengeExpires };
		return go('/mfa');
	}
	state.logon = null;
	state.who = await whoAmI();
	go('/');
}

function logonPage() {
	const msg = messageBox();
	const principal = field('Sign-in name (user@alias, or the alias for the owner)', {
		name: 'username', autocomplete: 'username webauthn', required: true, autofocus: true,
		autocapitalize: 'none', spellcheck: 'false' });
	const password = field('Password', { type: 'password', name: 'password',
		autocomplete: 'current-password', required: true });
	const form = h('form', { id: 'logon-form' }, principal, password,
		h('button', { type: 'submit' }, 'Sign in'));
	const passkeyButton = h('button', { type: 'button', class: 'secondary', id: 'passkey-logon' },
		'Sign in with a passkey');

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		msg.clear();
		busy(form, async () => {
			try {
				const name = principal.input.value.trim();
				const resp = await call('Login', { Principal: name, Password: password.input.value });
				password.input.value = '';
				await afterLogon(resp, name);
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
	});
	passkeyButton.addEventListener('click', async () => {
		msg.clear();
		if (state.conditional) {
			state.conditional.abort();
			state.conditional = null;
		}
		try {
			const { Options } = await call('StartPasskeyLogin');
			const cred = await webauthn.get(Options);
			await afterLogon(await call('LoginPasskey', { Credential: cred }));
		} catch (e) {
			msg.show('error', passkeyLogonError(e));
		}
	});
	startConditional(msg);

	const passkeyPart = webauthn.supported()
		? [h('p', { class: 'or' }, 'or'), passkeyButton]
		: [];
	return h('div', {}, h('h1', {}, 'Sign in'), msg, form, ...passkeyPart);
}

function passkeyLogonError(e) {
	if (e instanceof ApiError && e.code === 'PasskeyLogonDisabled')
		return 'This account does not allow signing in with a passkey alone. Sign in with your password.';
	if (e instanceof ApiError && e.code === 'InvalidPasskey')
		return 'This passkey is not registered here, or it could not be verified. Sign in with your password.';
	return describe(e);
}

// Offer the user's passkeys in the sign-in name's autofill, where the browser supports it.
async function startConditional(msg) {
	if (!(await webauthn.conditionalSupported()))
		return;
	const ac = new AbortController();
	state.conditional = ac;
	try {
		const { Options } = await call('StartPasskeyLogin');
		if (ac.signal.aborted)
			return;
		const cred = await webauthn.get(Options, { mediation: 'conditional', signal: ac.signal });
		await afterLogon(await call('LoginPasskey', { Credential: cred }));
	} catch (e) {
		if (ac.signal.aborted || (e && e.name === 'AbortError'))
			return;
		msg.show('error', passkeyLogonError(e));
	} finally {
		if (state.conditional === ac)
			state.conditional = null;
	}
}

function mfaPage() {
	const logon = state.logon;
	const msg = messageBox();
	const parts = [];
	// Shown always: the server ignores it when the account's EnableSaveMFATicket is off.
	const remember = checkbox('Remember this browser for 7 days', false, { id: 'remember-browser' });

	const finish = async (body) => {
		try {
			const req = { Challenge: logon.challenge, ...body };
			if (remember.input.checked)
				req.RememberBrowser = true;
			await afterLogon(await call('LoginMFA', req));
		} catch (e) {
			if (e instanceof ApiError && e.code === 'InvalidChallenge' && body.Method !== 'email') {
				state.logon = null;
				msg.show('error', 'This sign-in has expired or was used up by wrong codes. Sign in again.');
				return;
			}
			if (e instanceof ApiError && e.code === 'InvalidChallenge')
				msg.show('error', 'This email code is no longer valid: it expired, was used, or had too many wrong tries. Send a new code, or sign in again.');
			else
				msg.show('error', describe(e));
		}
	};

	if (logon.methods.includes('totp'))
		parts.push(totpLogon(finish));
	if (logon.methods.includes('passkey'))
		parts.push(passkeyLogon(logon, msg, finish));
	if (logon.methods.includes('email'))
		parts.push(emailLogon(logon, msg, finish));

	const restart = h('button', { type: 'button', class: 'secondary',
		on: { click: () => { state.logon = null; go('/logon'); } } }, 'Start again');
	return h('div', {}, h('h1', {}, 'Second factor'),
		h('p', {}, `Signing in as ${logon.principal || 'you'}. Choose one way to prove it is you.`),
		msg, remember,
		h('p', { class: 'muted' }, 'Only on a browser that you alone use, and only when the account allows it.'),
		...parts, h('div', { class: 'row' }, restart));
}

function totpLogon(finish) {
	const code = codeField('Code from your authenticator app', { autofocus: true, id: 'totp-code' });
	const form = h('form', {}, code, h('button', { type: 'submit' }, 'Verify code'));

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(form, () => finish({ Method: 'totp', Code: code.input.value.trim() }));
	});
	return h('section', { class: 'card', id: 'method-totp' }, h('h2', {}, methodName('totp')), form);
}

function passkeyLogon(logon, msg, finish) {
	const button = h('button', { type: 'submit' }, 'Use a passkey');
	const form = h('form', {}, button);

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		msg.clear();
		busy(form, async () => {
			try {
				const { Options } = await call('StartPasskeyLogin', { Challenge: logon.challenge });
				const cred = await webauthn.get(Options);
				await finish({ Method: 'passkey', Credential: cred });
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
	});
	return h('section', { class: 'card', id: 'method-passkey' }, h('h2', {}, methodName('passkey')), form);
}

function emailLogon(logon, msg, finish) {
	const sent = h('p', { class: 'muted', 'aria-live': 'polite' });
	const send = h('button', { type: 'button', class: 'secondary', id: 'email-send' }, 'Send code');
	const code = codeField('Code from the email', { id: 'email-code' });
	const form = h('form', {}, code, h('button', { type: 'submit' }, 'Verify email code'));
	let timer = null;

	const countdown = (seconds) => {
		let left = seconds;
		clearInterval(timer);
		send.disabled = true;
		const tick = () => {
			if (!send.isConnected || left <= 0) {
				clearInterval(timer);
				send.disabled = false;
				send.textContent = 'Send a new code';
				return;
			}
			send.textContent = `Send a new code in ${left} s`;
			left--;
		};
		tick();
		timer = setInterval(tick, 1000);
	};

	send.addEventListener('click', async () => {
		msg.clear();
		try {
			const r = await call('SendLoginEmailCode', { Challenge: logon.challenge });
			sent.textContent = `A code was sent to ${r.Destination}.`;
			countdown(EMAIL_RESEND_S);
			code.input.focus();
		} catch (e) {
			msg.show('error', describe(e));
			if (e instanceof ApiError && e.retryAfter > 0 && e.code === 'Throttling.EmailCode')
				countdown(e.retryAfter);
		}
	});
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(form, () => finish({ Method: 'email', Code: code.input.value.trim() }));
	});
	return h('section', { class: 'card', id: 'method-email' }, h('h2', {}, methodName('email')),
		h('div', { class: 'row' }, send), sent, form);
}

function passwordPage() {
	const msg = messageBox();
	const oldPw = field('Current password', { type: 'password', autocomplete: 'current-password',
		required: true, autofocus: true });
	const newPw = field('New password (at least 8 characters)', { type: 'password',
		autocomplete: 'new-password', required: true, minlength: '8' });
	const again = field('New password again', { type: 'password', autocomplete: 'new-password',
		required: true });
	const form = h('form', {}, oldPw, newPw, again, h('button', { type: 'submit' }, 'Change password'));

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		if (newPw.input.value !== again.input.value) {
			msg.show('error', 'The two new passwords differ. Type the same one twice.');
			return;
		}
		busy(form, async () => {
			try {
				await changePassword(oldPw.input.value, newPw.input.value);
				await refreshSession();
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
	});
	return h('div', {}, h('h1', {}, 'Choose a new password'),
		h('p', {}, 'The account owner requires a new password before you continue.'), msg, form);
}

function changePassword(oldPassword, newPassword) {
	return withStepUp(() => call('ChangePassword', { OldPassword: oldPassword, NewPassword: newPassword }));
}

function bindPage() {
	const done = () => refreshSession();

	return h('div', {}, h('h1', {}, 'Set up a second factor'),
		h('p', {}, 'The account owner requires a second factor. Set up an authenticator app or a passkey to continue.'),
		h('section', { class: 'card' }, h('h2', {}, 'Authenticator app'), vmfaSetup(done)),
		webauthn.supported()
			? h('section', { class: 'card' }, h('h2', {}, 'Passkey'), passkeyRegister(done))
			: null);
}

window.addEventListener('hashchange', render);

async function start() {
	try {
		state.who = await whoAmI();
	} catch {
		state.who = null;
	}
	await render();
}

start();
