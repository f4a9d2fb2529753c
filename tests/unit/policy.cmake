# Password and network policies of an account.
mfa_unit_test(test_pwpolicy SOURCES unit/test_pwpolicy.c LIBS mfacore)
mfa_unit_test(test_netpolicy SOURCES unit/test_netpolicy.c LIBS mfacore)
