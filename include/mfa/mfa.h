/* SPDX-License-Identifier: MIT */
/* libmfa: one-time passwords, WebAuthn verification and related encodings, with no I/O and no globals. */
#ifndef MFA_MFA_H
#define MFA_MFA_H

#include <mfa/common.h>
#include <mfa/err.h>
#include <mfa/otp.h>
#include <mfa/base32.h>
#include <mfa/otpauth.h>
#include <mfa/cose.h>
#include <mfa/webauthn.h>

#endif
