# libmfa WebAuthn and COSE unit tests, included from tests/CMakeLists.txt (paths are relative to tests/).

# The software authenticator that builds signed registrations and assertions.
add_library(softauthn STATIC unit/softauthn.c)
target_include_directories(softauthn PUBLIC ${PROJECT_SOURCE_DIR}/tests/unit)
target_link_libraries(softauthn PUBLIC PkgConfig::OPENSSL)

mfa_unit_test(test_base64url SOURCES unit/test_base64url.c LIBS mfa)
mfa_unit_test(test_cborutil SOURCES unit/test_cborutil.c LIBS mfa_internal softauthn)
mfa_unit_test(test_cose SOURCES unit/test_cose.c LIBS mfa softauthn)
mfa_unit_test(test_webauthn_parse SOURCES unit/test_webauthn_parse.c LIBS mfa softauthn)
mfa_unit_test(test_webauthn_register SOURCES unit/test_webauthn_register.c LIBS mfa softauthn)
mfa_unit_test(test_webauthn_assert SOURCES unit/test_webauthn_assert.c LIBS mfa softauthn)
