# Store backend tests: a real SQLite file under MFA_TEST_TMPDIR.
mfa_unit_test(test_store_sqlite SOURCES unit/test_store_sqlite.c LIBS mfastore pthread)
