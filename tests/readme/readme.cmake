# The README's quickstart, run as written against the mfad under test.
add_test(NAME readme_quickstart
	COMMAND /usr/bin/python3 -m unittest -v test_readme_quickstart
	WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/tests/readme)
set_tests_properties(readme_quickstart PROPERTIES
	TIMEOUT 180
	ENVIRONMENT "MFAD_BIN=$<TARGET_FILE:mfad>;MFA_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
