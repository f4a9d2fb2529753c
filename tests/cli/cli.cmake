# mfactl tests: Python (Debian's /usr/bin/python3, standard library only) running the mfactl
# under test on recorded data, with no server and no network.

find_program(MFA_CLI_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT MFA_CLI_PYTHON)
	message(WARNING "mfactl tests need /usr/bin/python3: not registered")
	return()
endif()

# WebAuthn responses recorded from Chromium's virtual authenticator (tests/data/chromium/).
add_test(NAME cli_passkey
	COMMAND ${MFA_CLI_PYTHON} -m unittest -v test_passkey
	WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/tests/cli)
set_tests_properties(cli_passkey PROPERTIES
	ENVIRONMENT "MFACTL_BIN=$<TARGET_FILE:mfactl>;PYTHONDONTWRITEBYTECODE=1"
	TIMEOUT 300
	LABELS cli)
