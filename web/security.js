// "My security": the session user's authenticator app, passkeys, security email, password,
// sessions, remembered browsers and API tokens.

import { ApiError, call } from './api.js';
import { busy, codeField, describe, field, formatTime, h, messageBox, withStepUp } from './ui.js';
import * as webauthn from './webauthn.js';

// Bind an authenticator app: create the device, show its QR code and secret, take two codes.
// done(resp) runs after BindMFADevice succeeds.
export function vmfaSetup(done, userName) {
	const msg = messageBox();
	const start = h('button', { type: 'button', id: 'vmfa-start' }, 'Set up an authenticator app');
	const box = h('div', {}, msg, start);

	start.addEventListener('click', async () => {
		msg.clear();
		start.disabled = true;
		try {
			const { VirtualMFADevice: dev } = await withStepUp(() =>
				call('CreateVirtualMFADevice', userName ? { UserName: userName } : {}));
			box.replaceChildren(msg, vmfaBindForm(dev, msg, done, userName));
		} catch (e) {
			msg.show('error', describe(e));
		} finally {
			start.disabled = false;
		}
	});
	return box;
}

function groupSecret(secret) {
	return secret.replace(/(.{4})/g, '$1 ').trim();
}

function vmfaBindForm(dev, msg, done, userName) {
	const code1 = codeField('First code', { id: 'vmfa-code1', autofocus: true });
	const code2 = codeField('The next code, after it changes', { id: 'vmfa-code2' });
	const form = h('form', {}, code1, code2, h('button', { type: 'submit' }, 'Bind the app'));

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(form, async () => {
			try {
				const body = { SerialNumber: dev.SerialNumber, AuthenticationCode1: code1.input.value.trim(),
					AuthenticationCode2: code2.input.value.trim() };
				if (userName)
					body.UserName = userName;
				const resp = await withStepUp(() => call('BindMFADevice', body));
				msg.show('ok', 'The authenticator app is bound.');
				await done(resp);
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
	});
	return h('div', { class: 'vmfa-setup' },
		h('p', {}, 'Scan this QR code with your authenticator app, or type the secret into it.'),
		h('img', { class: 'qr', id: 'vmfa-qr', alt: 'QR code of the new authenticator app secret',
			src: 'data:image/png;base64,' + dev.QRCodePNG }),
		h('p', {}, 'Secret: ', h('span', { class: 'secret', id: 'vmfa-secret' }, groupSecret(dev.Base32StringSeed))),
		h('p', { class: 'muted' }, 'Then enter two codes in a row: the one shown now, and the next one after it changes.'),
		form);
}

// Register a passkey for the session's user; done(resp) runs after it is stored.
export function passkeyRegister(done) {
	const msg = messageBox();
	const name = field('Passkey name (optional)', { id: 'passkey-name', maxlength: '64',
		placeholder: 'Laptop' });
	const form = h('form', {}, name, h('button', { type: 'submit', id: 'passkey-register' }, 'Register a passkey'));

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		msg.clear();
		busy(form, async () => {
			try {
				const { Options } = await withStepUp(() => call('StartPasskeyRegistration'));
				const cred = await webauthn.create(Options);
				const body = { Credential: cred };
				if (name.input.value.trim())
					body.Name = name.input.value.trim();
				const resp = await withStepUp(() => call('FinishPasskeyRegistration', body));
				msg.show('ok', `The passkey "${resp.Passkey.Name}" is registered.`);
				await done(resp);
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
	});
	return h('div', {}, msg, form);
}

async function optional(promise, notFound) {
	try {
		return await promise;
	} catch (e) {
		if (e instanceof ApiError && e.status === 404)
			return notFound;
		throw e;
	}
}

export async function securityPage(who, refreshSession) {
	const [mfa, passkeys, email, sessions, browsers, tokens] = await Promise.all([
		optional(call('GetUserMFAInfo'), null),
		call('ListPasskeys'),
		call('GetVerificationInfo'),
		call('ListSessions'),
		call('ListRememberedBrowsers'),
		call('ListAccessTokens'),
	]);
	const reload = () => refreshSession();

	return h('div', {}, h('h1', {}, 'My security'),
		h('p', { class: 'muted' }, `Signed in as ${who.Principal}, with ${who.Factors.join(' + ')}.`),
		vmfaCard(who, mfa, reload),
		passkeyCard(passkeys.Passkeys || [], reload),
		emailCard(email, reload),
		passwordCard(reload),
		sessionsCard(sessions.Sessions || [], reload),
		browsersCard(browsers.RememberedBrowsers || [], reload),
		tokensCard(tokens.AccessTokens || [], reload));
}

function vmfaCard(who, mfa, reload) {
	const msg = messageBox();
	const card = h('section', { class: 'card', id: 'card-vmfa' }, h('h2', {}, 'Authenticator app'), msg);

	if (!mfa || !mfa.MFADevice || mfa.MFADevice.Status !== 'bound') {
		card.append(h('p', {}, 'No authenticator app is bound.'), vmfaSetup(reload));
		return card;
	}
	card.append(h('p', {}, `Bound on ${formatTime(mfa.MFADevice.BindDate)}.`),
		h('p', { class: 'muted secret' }, mfa.MFADevice.SerialNumber));
	if (!who.IsOwner) {
		card.append(h('p', { class: 'muted' }, 'To replace it, ask the account owner to reset it.'));
		return card;
	}
	const unbind = h('button', { type: 'button', class: 'danger' }, 'Unbind the app');
	unbind.addEventListener('click', async () => {
		if (!confirm('Unbind your authenticator app? Its codes stop working.'))
			return;
		try {
			await withStepUp(() => call('UnbindMFADevice', { UserName: who.User.UserName }));
			await reload();
		} catch (e) {
			msg.show('error', describe(e));
		}
	});
	card.append(unbind);
	return card;
}

function passkeyItem(pk, msg, reload) {
	const rename = field('New name', { value: pk.Name, maxlength: '64' });
	const form = h('form', { class: 'row' }, rename, h('button', { type: 'submit', class: 'secondary' }, 'Rename'));
	const del = h('button', { type: 'button', class: 'danger' }, 'Delete');

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(form, async () => {
			try {
				await withStepUp(() => call('UpdatePasskey', { PasskeyId: pk.PasskeyId, NewName: rename.input.value.trim() }));
				await reload();
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
	});
	del.addEventListener('click', async () => {
		if (!confirm(`Delete the passkey "${pk.Name}"? It stops working here.`))
			return;
		try {
			await withStepUp(() => call('DeletePasskey', { PasskeyId: pk.PasskeyId }));
			await reload();
		} catch (e) {
			msg.show('error', describe(e));
		}
	});
	return h('li', { class: 'passkey' }, h('strong', {}, pk.Name),
		h('div', { class: 'muted' }, `${pk.Algorithm}, added ${formatTime(pk.CreateDate)}, last used ${formatTime(pk.LastUsedDate)}`),
		form, del);
}

function passkeyCard(passkeys, reload) {
	const msg = messageBox();
	const list = h('ul', { class: 'plain' }, passkeys.map((pk) => passkeyItem(pk, msg, reload)));

	return h('section', { class: 'card', id: 'card-passkeys' }, h('h2', {}, 'Passkeys'), msg,
		passkeys.length ? list : h('p', {}, 'No passkey is registered.'),
		webauthn.supported() ? passkeyRegister(reload) : h('p', { class: 'muted' }, 'This browser does not support passkeys.'));
}

function emailCard(info, reload) {
	const msg = messageBox();
	const card = h('section', { class: 'card', id: 'card-email' }, h('h2', {}, 'Security email'), msg);
	const address = field('Email address', { type: 'email', id: 'email-address', autocomplete: 'email', required: true });
	const setForm = h('form', {}, address, h('button', { type: 'submit' }, 'Send a verification code'));
	const code = codeField('Code from the email', { id: 'email-verify-code' });
	const verifyForm = h('form', { hidden: !info.PendingEmail }, code, h('button', { type: 'submit' }, 'Verify'));

	card.append(h('p', {}, info.Email
		? `Attached: ${info.Email} (verified ${formatTime(info.VerifiedDate)}).`
		: 'No security email address is attached.'));
	if (info.PendingEmail)
		card.append(h('p', { class: 'muted' }, `Waiting for the code sent to ${info.PendingEmail}.`));
	card.append(h('p', { class: 'muted' }, 'Email codes are the weakest second factor: prefer a passkey or an authenticator app.'));

	setForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(setForm, async () => {
			try {
				const r = await withStepUp(() => call('SetVerificationInfo', { Email: address.input.value.trim() }));
				msg.show('info', `A code was sent to ${r.PendingEmail}. Enter it below.`);
				verifyForm.hidden = false;
				code.input.focus();
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
	});
	verifyForm.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(verifyForm, async () => {
			try {
				await withStepUp(() => call('VerifyVerificationInfo', { Code: code.input.value.trim() }));
				await reload();
			} catch (e) {
				msg.show('error', e instanceof ApiError && e.code === 'InvalidChallenge'
					? 'This code is no longer valid: it expired, was used, or had too many wrong tries. Send a new code.'
					: describe(e));
			}
		});
	});
	card.append(setForm, verifyForm);
	if (info.Email || info.PendingEmail) {
		const del = h('button', { type: 'button', class: 'danger' }, 'Remove the address');
		del.addEventListener('click', async () => {
			if (!confirm('Remove your security email address?'))
				return;
			try {
				await withStepUp(() => call('DeleteVerificationInfo'));
				await reload();
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
		card.append(del);
	}
	return card;
}

function passwordCard(reload) {
	const msg = messageBox();
	const oldPw = field('Current password', { type: 'password', autocomplete: 'current-password', required: true });
	const newPw = field('New password (at least 8 characters)', { type: 'password', autocomplete: 'new-password', required: true, minlength: '8' });
	const form = h('form', {}, oldPw, newPw, h('button', { type: 'submit' }, 'Change password'));

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(form, async () => {
			try {
				await withStepUp(() => call('ChangePassword', { OldPassword: oldPw.input.value, NewPassword: newPw.input.value }));
				msg.show('ok', 'The password is changed.');
				await reload();
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
	});
	return h('section', { class: 'card', id: 'card-password' }, h('h2', {}, 'Password'), msg, form);
}

// The user agent as the server stores it: quoted as in the audit log.
function agentText(ua) {
	const plain = (ua || '').replace(/^"(.*)"$/, '$1');
	return plain || 'Unknown browser';
}

// Run an action from a button; errors go to msg, success reloads the page.
function action(button, msg, question, fn, reload) {
	button.addEventListener('click', async () => {
		if (question && !confirm(question))
			return;
		msg.clear();
		button.disabled = true;
		try {
			await fn();
			await reload();
		} catch (e) {
			msg.show('error', describe(e));
		} finally {
			button.disabled = false;
		}
	});
	return button;
}

function sessionItem(s, msg, reload) {
	const item = h('li', { class: 'session', 'data-session': s.SessionId },
		h('strong', {}, agentText(s.UserAgent)), s.Current ? h('span', { class: 'badge' }, 'This session') : null,
		h('div', { class: 'muted' }, `From ${s.SourceAddress || 'an unknown address'}, signed in ${formatTime(s.CreateDate)} with ${(s.Factors || []).join(' + ') || 'a token'}, last seen ${formatTime(s.LastSeenDate)}, ends ${formatTime(s.ExpireDate)}`));

	if (!s.Current)
		item.append(action(h('button', { type: 'button', class: 'danger' }, 'Revoke'), msg,
			'Sign this session out?', () => call('RevokeSession', { SessionId: s.SessionId }), reload));
	return item;
}

function sessionsCard(sessions, reload) {
	const msg = messageBox();
	const others = sessions.filter((s) => !s.Current).length;
	const card = h('section', { class: 'card', id: 'card-sessions' }, h('h2', {}, 'Sessions'), msg,
		h('ul', { class: 'plain' }, sessions.map((s) => sessionItem(s, msg, reload))));

	if (others > 0)
		card.append(action(h('button', { type: 'button', class: 'danger', id: 'revoke-others' },
			'Sign out everywhere else'), msg, `Sign out ${others} other session(s)?`,
		() => call('RevokeOtherSessions'), reload));
	else
		card.append(h('p', { class: 'muted' }, 'No other session is signed in.'));
	return card;
}

function browsersCard(browsers, reload) {
	const msg = messageBox();
	const card = h('section', { class: 'card', id: 'card-browsers' }, h('h2', {}, 'Remembered browsers'), msg,
		h('p', { class: 'muted' }, 'A remembered browser signs you in with the password alone for 7 days.'));

	if (!browsers.length) {
		card.append(h('p', {}, 'No browser is remembered.'));
		return card;
	}
	card.append(h('ul', { class: 'plain' }, browsers.map((b) => h('li', { class: 'browser', 'data-browser': b.Id },
		h('strong', {}, agentText(b.UserAgent)), b.Current ? h('span', { class: 'badge' }, 'This browser') : null,
		h('div', { class: 'muted' }, `Remembered ${formatTime(b.CreateDate)}, last used ${formatTime(b.LastUsedDate)}, until ${formatTime(b.ExpireDate)}`),
		action(h('button', { type: 'button', class: 'danger' }, 'Forget'), msg, null,
			() => call('ForgetRememberedBrowser', { Id: b.Id }), reload)))),
	action(h('button', { type: 'button', class: 'danger', id: 'forget-all' }, 'Forget all browsers'), msg,
		'Forget every remembered browser? Each will ask for a second factor again.',
		() => call('ForgetAllRememberedBrowsers'), reload));
	return card;
}

function tokenItem(t, msg, reload) {
	return h('li', { class: 'token', 'data-token': t.TokenId },
		h('strong', {}, t.Description || `Token ${t.TokenId}`),
		h('div', { class: 'muted' }, `Created ${formatTime(t.CreateDate)}, expires ${formatTime(t.ExpireDate)}, last used ${formatTime(t.LastUsedDate)}`),
		action(h('button', { type: 'button', class: 'danger' }, 'Delete'), msg,
			`Delete the token "${t.Description || t.TokenId}"? Scripts using it stop working.`,
			() => call('DeleteAccessToken', { TokenId: t.TokenId }), reload));
}

function tokensCard(tokens, reload) {
	const msg = messageBox();
	const description = field('Description (optional)', { id: 'token-description', maxlength: '255',
		placeholder: 'deploy bot' });
	const days = field('Valid for days (1 to 365)', { type: 'number', id: 'token-days', min: '1', max: '365',
		value: '90', required: true });
	const form = h('form', { id: 'token-form' }, description, days, h('button', { type: 'submit' }, 'Create a token'));
	const shown = h('div', { id: 'token-new', hidden: true });
	const list = h('ul', { class: 'plain' }, tokens.map((t) => tokenItem(t, msg, reload)));
	const none = h('p', { hidden: tokens.length > 0 }, 'You have no API token.');

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		msg.clear();
		busy(form, async () => {
			try {
				const body = { ExpiresInDays: Number(days.input.value) };
				if (description.input.value.trim())
					body.Description = description.input.value.trim();
				const { AccessToken: t } = await withStepUp(() => call('CreateAccessToken', body));
				description.input.value = '';
				shown.replaceChildren(
					h('p', {}, 'Copy the token now: it is shown only once. Send it as "Authorization: Bearer TOKEN".'),
					h('p', { class: 'secret', id: 'token-value' }, t.Token));
				shown.hidden = false;
				list.append(tokenItem(t, msg, reload));
				none.hidden = true;
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
	});
	return h('section', { class: 'card', id: 'card-tokens' }, h('h2', {}, 'API tokens'), msg,
		h('p', { class: 'muted' }, 'A token lets a script act for you without a password, but never for a change that needs a second factor.'),
		shown, none, list, form);
}
