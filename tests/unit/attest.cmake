# Unit tests of the X.509 helpers and the tpm, android-key and apple attestation formats,
# included from tests/CMakeLists.txt (paths are relative to tests/). The format tests call
# internal functions, so they link mfa_internal.

# Certificates, DER, TPM structures, COSE keys and attStmt maps made with OpenSSL and libcbor.
add_library(mfa_certgen STATIC unit/certgen.c)
target_include_directories(mfa_certgen PUBLIC ${PROJECT_SOURCE_DIR}/tests/unit)
target_link_libraries(mfa_certgen PUBLIC PkgConfig::CMOCKA PkgConfig::OPENSSL PkgConfig::CBOR)

foreach(name cert apple android_key tpm)
	mfa_unit_test(test_attest_${name} SOURCES unit/test_attest_${name}.c
		LIBS mfa_internal mfa_certgen)
endforeach()

# Whole registrations through the public API; needs softauthn from webauthn.cmake.
if(TARGET softauthn)
	mfa_unit_test(test_attest_register SOURCES unit/test_attest_register.c
		LIBS mfa softauthn mfa_certgen)
endif()
