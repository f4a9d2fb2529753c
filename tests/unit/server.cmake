# Building blocks of mfad: configuration, names, passwords, sealing, tokens, logs.
mfa_unit_test(test_server SOURCES unit/test_server.c LIBS mfacore)
# Mail formatting and the outbox's retry rules.
mfa_unit_test(test_mail SOURCES unit/test_mail.c LIBS mfacore)
# CSRF tokens, the Origin check, cookie attributes and the [http] TLS keys.
mfa_unit_test(test_csrf SOURCES unit/test_csrf.c LIBS mfacore)
