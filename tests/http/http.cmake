# HTTP tests: Python (Debian's /usr/bin/python3) against a real mfad started by each test on
# 127.0.0.1. Expected TOTP codes come from oathtool, and the database checks read the file with
# the sqlite3 shell. The passkey tests' software authenticator also needs python3-cryptography
# and python3-cbor2; the other tests use the standard library only.

find_program(MFA_HTTP_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(MFA_OATHTOOL oathtool)
find_program(MFA_SQLITE3 sqlite3)
if(NOT MFA_HTTP_PYTHON OR NOT MFA_OATHTOOL OR NOT MFA_SQLITE3)
	message(WARNING "HTTP tests need /usr/bin/python3, oathtool and sqlite3: not registered")
	return()
endif()

# mfa_http_test(NAME MODULE TIMEOUT) runs tests/http/MODULE.py with unittest.
function(mfa_http_test name module timeout)
	add_test(NAME ${name}
		COMMAND ${MFA_HTTP_PYTHON} -m unittest -v ${module}
		WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/tests/http)
	set_tests_properties(${name} PROPERTIES
		ENVIRONMENT "MFAD_BIN=$<TARGET_FILE:mfad>;MFACTL_BIN=$<TARGET_FILE:mfactl>;PYTHONDONTWRITEBYTECODE=1"
		TIMEOUT ${timeout}
		LABELS http)
endfunction()

mfa_http_test(http_quickstart test_quickstart 120)
mfa_http_test(http_logon test_logon 300)
mfa_http_test(http_input test_input 120)
mfa_http_test(http_secrets test_secrets 120)
mfa_http_test(http_sessions test_sessions 300)
mfa_http_test(http_tokens test_tokens 300)
mfa_http_test(http_remember test_remember 300)
# These need python3-aiosmtpd for their SMTP test server.
mfa_http_test(http_mail_delivery test_mail_delivery 300)
mfa_http_test(http_email test_email 300)

execute_process(COMMAND ${MFA_HTTP_PYTHON} -c "import cryptography, cbor2"
	RESULT_VARIABLE MFA_HTTP_PASSKEY_MODULES OUTPUT_QUIET ERROR_QUIET)
if(MFA_HTTP_PASSKEY_MODULES EQUAL 0)
	mfa_http_test(http_softauthn test_softauthn 60)
	# Over a hundred servers: under ASan on two busy cores it has needed more than 300 s.
	mfa_http_test(http_passkeys test_passkeys 900)
	# Step-up with TOTP, passkeys and email: needs the passkey and SMTP test modules.
	mfa_http_test(http_stepup test_stepup 300)
	# Security notifications and admin recovery: passkeys and the SMTP test server.
	mfa_http_test(http_notify test_notify 600)
	mfa_http_test(http_recovery test_recovery 300)
	# The logon allow-list; its passwordless case needs the passkey modules.
	mfa_http_test(http_login_network test_login_network 300)
	# Security settings and factor strength: needs the passkey and SMTP test modules too.
	mfa_http_test(http_settings test_settings 300)
else()
	message(WARNING "passkey HTTP tests need python3-cryptography and python3-cbor2: not registered")
endif()
mfa_http_test(http_hardening test_hardening 300)
mfa_http_test(http_pwpolicy test_pwpolicy 300)
mfa_http_test(http_audit test_audit 300)
# Security headers, CSRF and HTTPS; makes its test certificates with the openssl command.
mfa_http_test(http_web_security test_web_security 300)
# The web console's embedded files (web/).
mfa_http_test(http_console_files test_console_files 120)
