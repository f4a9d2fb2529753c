# Browser test of the web console: Node.js with playwright-core (installed by
# "npm ci" in tests/browser, which scripts/test runs) driving Debian's Chromium
# headless against a real mfad and SMTP server on 127.0.0.1. The screenshots go
# to the build folder; docs/console.md says how to refresh the ones in docs/console.

find_program(MFA_NODE node)
find_program(MFA_CHROMIUM chromium PATHS /usr/bin NO_DEFAULT_PATH)
find_program(MFA_OATHTOOL_BROWSER oathtool)
if(NOT MFA_NODE OR NOT MFA_CHROMIUM OR NOT MFA_OATHTOOL_BROWSER)
	message(WARNING "the console's browser test needs node, /usr/bin/chromium and oathtool: not registered")
	return()
endif()

add_test(NAME browser_console
	COMMAND ${MFA_NODE} console.test.mjs
	WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/tests/browser)
set_tests_properties(browser_console PROPERTIES
	ENVIRONMENT "MFAD_BIN=$<TARGET_FILE:mfad>;MFACTL_BIN=$<TARGET_FILE:mfactl>;CHROMIUM=${MFA_CHROMIUM};MFA_SCREENSHOT_DIR=${CMAKE_CURRENT_BINARY_DIR}/console-screenshots"
	TIMEOUT 300
	# One Chromium at a time: two would compete for the two cores with the HTTP tests.
	RUN_SERIAL TRUE
	LABELS browser)
