# libmfa unit tests, included from tests/CMakeLists.txt (paths are relative to tests/).

mfa_unit_test(test_err SOURCES unit/test_err.c LIBS mfa)
mfa_unit_test(test_common SOURCES unit/test_common.c LIBS mfa)
mfa_unit_test(test_otp SOURCES unit/test_otp.c LIBS mfa)
mfa_unit_test(test_oathtool SOURCES unit/test_oathtool.c LIBS mfa)
mfa_unit_test(test_base32 SOURCES unit/test_base32.c LIBS mfa)
mfa_unit_test(test_otpauth SOURCES unit/test_otpauth.c LIBS mfa)

# libmfa must export exactly the MFA_API functions of include/mfa/*.h.
add_test(NAME lib_exports
	COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/check-lib-exports
		$<TARGET_FILE:mfa> ${PROJECT_SOURCE_DIR}/include/mfa)
