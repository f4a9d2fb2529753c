# Building blocks of mfad: configuration, names, passwords, sealing, tokens, logs.
mfa_unit_test(test_server SOURCES unit/test_server.c LIBS mfacore)
