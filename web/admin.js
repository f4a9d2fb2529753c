// The account owner's pages: users and their login profiles, security settings, password
// policy, audit log.

import { ApiError, call } from './api.js';
import { busy, checkbox, describe, field, formatTime, h, messageBox, withStepUp } from './ui.js';

const LIST_PAGE = 1000;     // MaxItems of one ListUsers call, mfad's maximum
const LIST_MAX_PAGES = 20;  // pages loaded for the search, so 20,000 users at most
const AUDIT_PAGE = 50;      // audit records shown per page

// Every user of the account, up to LIST_PAGE * LIST_MAX_PAGES, oldest name first.
async function allUsers() {
	let users = [];
	let marker = '';

	for (let i = 0; i < LIST_MAX_PAGES; i++) {
		const r = await call('ListUsers', { Marker: marker, MaxItems: LIST_PAGE });
		users = users.concat(r.Users || []);
		if (!r.IsTruncated)
			return { users, complete: true };
		marker = r.Marker;
	}
	return { users, complete: false };
}

function userRow(u) {
	const href = '#/admin/user/' + encodeURIComponent(u.UserName);

	return h('tr', { 'data-user': u.UserName }, h('td', {}, h('a', { href }, u.UserName)),
		h('td', {}, u.DisplayName), h('td', {}, formatTime(u.CreateDate)));
}

export async function adminUsers(go) {
	const { users, complete } = await allUsers();
	const msg = messageBox();
	const search = field('Search users', { type: 'search', id: 'user-search', autocomplete: 'off' });
	const body = h('tbody', {}, users.map(userRow));
	const table = h('div', { class: 'table-wrap' }, h('table', {},
		h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'User name'),
			h('th', { scope: 'col' }, 'Display name'), h('th', { scope: 'col' }, 'Created'))), body));
	const count = h('p', { class: 'muted', 'aria-live': 'polite' });
	const showCount = (n) => {
		count.textContent = `${n} of ${users.length} users${complete ? '' : ' (the first ones only)'}.`;
	};

	search.input.addEventListener('input', () => {
		const q = search.input.value.trim().toLowerCase();
		const hits = users.filter((u) => !q || u.UserName.toLowerCase().includes(q) ||
			(u.DisplayName || '').toLowerCase().includes(q));
		body.replaceChildren(...hits.map(userRow));
		showCount(hits.length);
	});
	showCount(users.length);

	return h('div', {}, h('h1', {}, 'Users'), msg, createUserCard(msg, go),
		h('section', { class: 'card' }, h('h2', {}, 'All users'), search, count, table));
}

function createUserCard(msg, go) {
	const name = field('User name (A-Z a-z 0-9 . _ -, up to 64)', { id: 'new-user-name', required: true,
		maxlength: '64', pattern: '[A-Za-z0-9._\\-]{1,64}', autocapitalize: 'none', spellcheck: 'false' });
	const display = field('Display name (optional)', { id: 'new-user-display', maxlength: '128' });
	const password = field('Password (8 characters or more)', { type: 'password', id: 'new-user-password',
		autocomplete: 'new-password', required: true, minlength: '8' });
	const reset = checkbox('Require a new password at first sign-in', false, { id: 'new-user-reset' });
	const bind = checkbox('Require a second factor (MFA binding)', true, { id: 'new-user-bind' });
	const form = h('form', { id: 'create-user' }, name, display, password, reset, bind,
		h('button', { type: 'submit' }, 'Create user'));

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(form, async () => {
			const userName = name.input.value.trim();
			try {
				const body = { UserName: userName };
				if (display.input.value.trim())
					body.DisplayName = display.input.value.trim();
				await call('CreateUser', body);
			} catch (e) {
				msg.show('error', describe(e));
				return;
			}
			try {
				await withStepUp(() => call('CreateLoginProfile', { UserName: userName,
					Password: password.input.value, PasswordResetRequired: reset.input.checked,
					MFABindRequired: bind.input.checked }));
				password.input.value = '';
				go('/admin/user/' + encodeURIComponent(userName));
			} catch (e) {
				msg.show('error', `The user ${userName} was created, but without a password: ${describe(e)}`);
			}
		});
	});
	return h('section', { class: 'card' }, h('h2', {}, 'Create a user'), form);
}

async function optional(promise) {
	try {
		return await promise;
	} catch (e) {
		if (e instanceof ApiError && e.status === 404)
			return null;
		throw e;
	}
}

export async function adminUser(userName, go) {
	const { User: user } = await call('GetUser', { UserName: userName });
	const [profileResp, mfa, passkeys, email] = await Promise.all([
		optional(call('GetLoginProfile', { UserName: userName })),
		optional(call('GetUserMFAInfo', { UserName: userName })),
		call('ListPasskeys', { UserName: userName }),
		call('GetVerificationInfo', { UserName: userName }),
	]);
	const profile = profileResp ? profileResp.LoginProfile : null;
	const msg = messageBox();
	const reload = () => go('/admin/user/' + encodeURIComponent(userName));
	const device = mfa && mfa.MFADevice && mfa.MFADevice.Status === 'bound' ? mfa.MFADevice : null;
	const pks = passkeys.Passkeys || [];

	return h('div', {}, h('h1', {}, `User ${user.UserName}`), msg,
		h('p', {}, `${user.DisplayName}, created ${formatTime(user.CreateDate)}.`),
		h('section', { class: 'card', id: 'card-factors' }, h('h2', {}, 'Second factors'),
			h('ul', {},
				h('li', {}, device ? `Authenticator app, bound ${formatTime(device.BindDate)}` : 'No authenticator app'),
				h('li', {}, pks.length ? `${pks.length} passkey(s): ${pks.map((p) => p.Name).join(', ')}` : 'No passkey'),
				h('li', {}, email.Email ? `Security email ${email.Email}` : 'No security email')),
			resetMfaButton(userName, msg, reload)),
		unlockCard(userName, msg),
		profileCard(userName, profile, msg, reload),
		deleteCard(userName, msg, go));
}

function resetMfaButton(userName, msg, reload) {
	const button = h('button', { type: 'button', class: 'danger', id: 'reset-mfa' }, 'Reset MFA');

	button.addEventListener('click', async () => {
		if (!confirm(`Remove every second factor of ${userName}? They must set up a new one at their next sign-in when MFA binding is required.`))
			return;
		try {
			await withStepUp(() => call('ResetUserMFA', { UserName: userName }));
			await reload();
		} catch (e) {
			msg.show('error', describe(e));
		}
	});
	return button;
}

function unlockCard(userName, msg) {
	const button = h('button', { type: 'button', class: 'secondary', id: 'unlock-user' }, 'Unlock');

	button.addEventListener('click', async () => {
		msg.clear();
		button.disabled = true;
		try {
			await withStepUp(() => call('UnlockUser', { UserName: userName }));
			msg.show('ok', `${userName} may sign in again: the failed attempts are cleared.`);
		} catch (e) {
			msg.show('error', describe(e));
		} finally {
			button.disabled = false;
		}
	});
	return h('section', { class: 'card', id: 'card-unlock' }, h('h2', {}, 'Lockout'),
		h('p', { class: 'muted' }, 'Too many failed sign-ins lock a user out for a while. Unlock ends the lock at once.'),
		button);
}

function profileCard(userName, profile, msg, reload) {
	const password = field(profile ? 'New password' : 'Password', { type: 'password', id: 'profile-password',
		autocomplete: 'new-password', minlength: '8', required: !profile });
	const reset = checkbox('Require a new password at next sign-in',
		profile ? profile.PasswordResetRequired : false, { id: 'profile-reset' });
	const bind = checkbox('Require a second factor (MFA binding)',
		profile ? profile.MFABindRequired : true, { id: 'profile-bind' });
	const form = h('form', { id: 'profile-form' }, password, reset, bind,
		h('button', { type: 'submit' }, profile ? 'Save sign-in settings' : 'Allow sign-in'));

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(form, async () => {
			const body = { UserName: userName, PasswordResetRequired: reset.input.checked,
				MFABindRequired: bind.input.checked };
			if (password.input.value)
				body.Password = password.input.value;
			try {
				await withStepUp(() => call(profile ? 'UpdateLoginProfile' : 'CreateLoginProfile', body));
				password.input.value = '';
				await reload();
			} catch (e) {
				msg.show('error', describe(e));
			}
		});
	});
	return h('section', { class: 'card', id: 'card-profile' }, h('h2', {}, 'Sign-in'),
		h('p', { class: 'muted' }, profile ? 'The user may sign in with a password.' : 'The user has no password and cannot sign in.'),
		form);
}

function deleteCard(userName, msg, go) {
	const button = h('button', { type: 'button', class: 'danger', id: 'delete-user' }, 'Delete user');

	button.addEventListener('click', async () => {
		if (!confirm(`Delete ${userName}, their factors and sessions? This cannot be undone.`))
			return;
		try {
			await withStepUp(() => call('DeleteUser', { UserName: userName }));
			go('/admin/users');
		} catch (e) {
			msg.show('error', describe(e));
		}
	});
	return h('section', { class: 'card' }, h('h2', {}, 'Delete'), button);
}

// The fields of GetSecurityPreference, in the order the settings page shows them.
const SETTINGS = [
	{ legend: 'Sign-in', group: 'LoginProfilePreference', fields: [
		{ key: 'AllowUserToLoginWithPasskey', type: 'bool',
			label: 'Allow users to sign in with a passkey alone (passwordless)' },
		{ key: 'MFAOperationForLogin', type: 'choice',
			label: 'Second factor at sign-in (mandatory: every user must set one up)', choices: [
				['independent', 'Independent: per user'],
				['mandatory', 'Mandatory: every user']] },
		{ key: 'AllowUserToChangePassword', type: 'bool', label: 'Allow users to change their password' },
		{ key: 'LoginSessionDuration', type: 'int', min: 1, max: 24, label: 'Session lifetime in hours (1 to 24)' },
		{ key: 'LoginSessionIdleTimeout', type: 'int', min: 5, max: 1440,
			label: 'Idle timeout in minutes (5 to 1440)' },
		{ key: 'LoginNetworkMasks', type: 'text',
			label: 'Networks allowed to sign in (CIDR ranges, up to 40; empty: anywhere)',
			placeholder: '10.0.0.0/8, 2001:db8::/32' },
	] },
	{ legend: 'Second factors', group: 'MFAPreference', fields: [
		{ key: 'AllowUserToManageMFADevices', type: 'bool', label: 'Allow users to set up an authenticator app' },
		{ key: 'AllowUserToManagePasskeys', type: 'bool', label: 'Allow users to manage their passkeys' },
		{ key: 'AllowUserToManageSecurityEmail', type: 'bool', label: 'Allow users to manage their security email' },
		{ key: 'AllowEmailForLogon', type: 'bool', label: 'Accept an email code at sign-in' },
		{ key: 'AllowEmailForStepUp', type: 'bool', label: 'Accept an email code to confirm sensitive changes' },
		{ key: 'EnableSaveMFATicket', type: 'bool',
			label: 'Let users remember a browser for 7 days (turning it off forgets every remembered browser)' },
	] },
];

// The fields of GetPasswordPolicy.
const POLICY = [
	{ legend: 'Length and characters', fields: [
		{ key: 'MinimumPasswordLength', type: 'int', min: 8, max: 32,
			label: 'Minimum length in characters (8 to 32; 15 applies to a user without a second factor)' },
		{ key: 'RequireLowercaseCharacters', type: 'bool', label: 'Require a lower-case letter' },
		{ key: 'RequireUppercaseCharacters', type: 'bool', label: 'Require an upper-case letter' },
		{ key: 'RequireNumbers', type: 'bool', label: 'Require a digit' },
		{ key: 'RequireSymbols', type: 'bool', label: 'Require a symbol or punctuation' },
		{ key: 'PasswordNotContainUserName', type: 'bool', label: 'Refuse a password that contains the user name' },
	] },
	{ legend: 'Age, reuse and lockout', fields: [
		{ key: 'MaxPasswordAge', type: 'int', min: 0, max: 1095,
			label: 'Password expires after days (0 to 1095; 0: never)' },
		{ key: 'HardExpiry', type: 'bool',
			label: 'Refuse an expired password (only the owner can set a new one)' },
		{ key: 'PasswordReusePrevention', type: 'int', min: 0, max: 24,
			label: 'Previous passwords that may not be reused (0 to 24)' },
		{ key: 'MaxLoginAttemps', type: 'int', min: 0, max: 32,
			label: 'Failed sign-ins that lock a user for an hour (0 to 32; 0: the server\'s own lockout only)' },
	] },
];

function settingInput(f, value) {
	if (f.type === 'bool')
		return checkbox(f.label, Boolean(value), { id: 'set-' + f.key, name: f.key });
	if (f.type === 'choice') {
		const id = 'set-' + f.key;
		const select = h('select', { id, name: f.key },
			f.choices.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
		const label = h('label', { for: id }, f.label, select);
		label.input = select;
		return label;
	}
	if (f.type === 'int')
		return field(f.label, { type: 'number', id: 'set-' + f.key, name: f.key, min: String(f.min),
			max: String(f.max), step: '1', value: String(value ?? ''), inputmode: 'numeric' });
	return field(f.label, { id: 'set-' + f.key, name: f.key, value: value ?? '', placeholder: f.placeholder,
		autocapitalize: 'none', spellcheck: 'false' });
}

function settingValue(f, input) {
	if (f.type === 'bool')
		return input.checked;
	if (f.type === 'int') {
		const text = input.value.trim();
		if (!/^[0-9]+$/.test(text))
			throw new Error(`${f.label}: "${text}" is not a whole number. Enter one from ${f.min} to ${f.max}.`);
		return Number(text);
	}
	return input.value.trim();
}

// Build a form over the fields of groups, filled from values(group). Save sends only the changed
// fields to save(changes), which returns the new values(), and an error that names a field marks it.
function settingsForm(id, groups, values, save) {
	const msg = messageBox();
	const inputs = [];
	const fieldsets = groups.map((g) => h('fieldset', {}, h('legend', {}, g.legend), g.fields.map((f) => {
		const el = settingInput(f, values(g)[f.key]);
		inputs.push({ f, g, el });
		return el;
	})));
	const form = h('form', { id, novalidate: true }, fieldsets, h('button', { type: 'submit' }, 'Save'));
	let stored = Object.fromEntries(inputs.map(({ f, g }) => [f.key, values(g)[f.key]]));

	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		msg.clear();
		inputs.forEach(({ el }) => el.input.removeAttribute('aria-invalid'));
		busy(form, async () => {
			const changes = {};
			try {
				for (const { f, el } of inputs) {
					const v = settingValue(f, el.input);
					if (v !== stored[f.key])
						changes[f.key] = v;
				}
				if (Object.keys(changes).length === 0) {
					msg.show('info', 'Nothing changed.');
					return;
				}
				values = await withStepUp(() => save(changes));
				stored = Object.fromEntries(inputs.map(({ f, g }) => [f.key, values(g)[f.key]]));
				for (const { f, el } of inputs)
					if (f.type !== 'bool' && f.type !== 'choice')
						el.input.value = String(stored[f.key] ?? '');
				msg.show('ok', 'Saved.');
			} catch (e) {
				// The longest key first, because MinimumPasswordLengthWithoutMFA starts with MinimumPasswordLength.
				const text = e.message || '';
				const hit = [...inputs].sort((a, b) => b.f.key.length - a.f.key.length)
					.find(({ f }) => text.includes(f.key) || text.includes(f.label));
				if (hit) {
					hit.el.input.setAttribute('aria-invalid', 'true');
					hit.el.input.focus();
					msg.show('error', text.startsWith(hit.f.label) ? text : `${hit.f.label}: ${describe(e)}`);
				} else {
					msg.show('error', describe(e));
				}
			}
		});
	});
	return h('section', { class: 'card' }, msg, form);
}

export async function adminSettings() {
	const { SecurityPreference: pref } = await call('GetSecurityPreference');
	const form = settingsForm('settings-form', SETTINGS, (g) => pref[g.group] || {}, async (changes) => {
		const r = await call('SetSecurityPreference', changes);
		return (g) => r.SecurityPreference[g.group] || {};
	});

	return h('div', {}, h('h1', {}, 'Security settings'),
		h('p', { class: 'muted' }, 'The settings apply to every user of the account; the owner is never limited by them.'),
		form);
}

export async function adminPasswordPolicy() {
	const { PasswordPolicy: policy } = await call('GetPasswordPolicy');
	const form = settingsForm('policy-form', POLICY, () => policy, async (changes) => {
		const r = await call('SetPasswordPolicy', changes);
		return () => r.PasswordPolicy;
	});

	return h('div', {}, h('h1', {}, 'Password policy'),
		h('p', { class: 'muted' }, 'The rules apply to passwords set from now on; the password age and the lockout apply at the next sign-in.'),
		form);
}

// Events of docs/audit.md, offered as suggestions; the field takes any name.
const AUDIT_EVENTS = ['account_create', 'logon_password_ok', 'logon_success', 'logon_failure',
	'totp_replay', 'lockout', 'mfa_bind', 'mfa_unbind', 'passkey_add', 'passkey_delete',
	'email_attach', 'email_remove', 'password_change', 'password_set', 'login_profile_create',
	'login_profile_update', 'login_profile_delete', 'user_create', 'user_delete', 'user_update',
	'security_setting_change'];

function unixFrom(input) {
	return input.value ? Math.floor(new Date(input.value).getTime() / 1000) : undefined;
}

function auditRow(ev) {
	return h('tr', {}, h('td', {}, formatTime(ev.Time)), h('td', {}, ev.Event),
		h('td', {}, ev.Outcome), h('td', {}, ev.UserId || '—'), h('td', {}, ev.SourceAddress || '—'),
		h('td', {}, ev.Detail || ''));
}

export async function adminAudit() {
	const msg = messageBox();
	const user = field('User name', { id: 'audit-user', autocapitalize: 'none', spellcheck: 'false' });
	const event = field('Event', { id: 'audit-event', list: 'audit-events' });
	const from = field('From', { type: 'datetime-local', id: 'audit-from' });
	const to = field('To', { type: 'datetime-local', id: 'audit-to' });
	const events = h('datalist', { id: 'audit-events' }, AUDIT_EVENTS.map((e) => h('option', { value: e })));
	const form = h('form', { id: 'audit-form' }, user, event, from, to, events,
		h('button', { type: 'submit' }, 'Show events'));
	const body = h('tbody');
	const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Next page');
	let marker = '';

	const load = async (next) => {
		const req = { MaxItems: AUDIT_PAGE };
		if (user.input.value.trim())
			req.UserName = user.input.value.trim();
		if (event.input.value.trim())
			req.Event = event.input.value.trim();
		if (from.input.value)
			req.StartTime = unixFrom(from.input);
		if (to.input.value)
			req.EndTime = unixFrom(to.input);
		if (next)
			req.Marker = marker;
		try {
			const r = await call('ListAuditEvents', req);
			const rows = (r.AuditEvents || []).map(auditRow);
			if (next)
				body.append(...rows);
			else
				body.replaceChildren(...rows);
			marker = r.Marker || '';
			more.hidden = !r.IsTruncated;
			msg.show('info', `${body.children.length} events shown, oldest first.`);
		} catch (e) {
			msg.show('error', describe(e));
		}
	};
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		busy(form, () => load(false));
	});
	more.addEventListener('click', () => load(true));
	await load(false);

	return h('div', {}, h('h1', {}, 'Audit log'), h('section', { class: 'card' }, form), msg,
		h('div', { class: 'table-wrap' }, h('table', { id: 'audit-table' },
			h('thead', {}, h('tr', {}, ['Time', 'Event', 'Outcome', 'User ID', 'Source', 'Detail']
				.map((t) => h('th', { scope: 'col' }, t)))), body)), more);
}
