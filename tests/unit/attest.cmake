# Unit tests of the X.509 helpers and the tpm, android-key and apple attestation formats,
# included from tests/CMakeLists.txt (paths are relative to tests/). They call internal
# functions, so they link mfa_internal.

# Certificates, DER, COSE keys and attStmt maps made with OpenSSL and libcbor.
add_library(mfa_certgen STATIC unit/certgen.c)
target_include_directories(mfa_certgen PUBLIC ${PROJECT_SOURCE_DIR}/tests/unit)
target_link_libraries(mfa_certgen PUBLIC PkgConfig::CMOCKA PkgConfig::OPENSSL PkgConfig::CBOR)

foreach(name cert apple android_key tpm)
	if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_attest_${name}.c)
		mfa_unit_test(test_attest_${name} SOURCES unit/test_attest_${name}.c
			LIBS mfa_internal mfa_certgen)
	endif()
endforeach()
