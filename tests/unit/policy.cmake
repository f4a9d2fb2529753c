# Password and network policies of an account.
mfa_unit_test(test_pwpolicy SOURCES unit/test_pwpolicy.c LIBS mfacore)
