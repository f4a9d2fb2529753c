# Fuzz harnesses for libmfa's parsers, included from fuzz/CMakeLists.txt.
#
# replay_<name> links the harness with a plain main() (replay.c) and is
# always built, with any compiler; CTest runs it over corpus/<name>/ so that
# every saved input, crashers included, is replayed in the sanitizer build.
# With MFA_FUZZ=ON and clang, fuzz_<name> is a libFuzzer binary linked with
# mfa_fuzz, the libmfa sources built once with coverage instrumentation.
# Run it as: fuzz/fuzz_<name> -max_total_time=120 NEW_DIR CORPUS_DIR
# (scripts/fuzz does this for every harness on a copy of its corpus).

option(MFA_FUZZ "Build libFuzzer binaries fuzz_<name> (needs clang)" OFF)

set(MFA_FUZZ_HARNESSES base32 otpauth attestation auth_data client_data cose)

if(MFA_FUZZ AND NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
	message(WARNING "MFA_FUZZ needs clang (libFuzzer); building only the replay programs")
endif()

set(MFA_FUZZ_BUILD OFF)
if(MFA_FUZZ AND CMAKE_C_COMPILER_ID STREQUAL "Clang")
	set(MFA_FUZZ_BUILD ON)
	# The libmfa sources once, with coverage instrumentation, for every fuzz_<name>.
	add_library(mfa_fuzz STATIC ${MFA_LIB_SOURCES})
	target_include_directories(mfa_fuzz PUBLIC ${PROJECT_SOURCE_DIR}/include
		${PROJECT_SOURCE_DIR}/src/lib)
	target_compile_options(mfa_fuzz PRIVATE
		-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
	target_link_libraries(mfa_fuzz PUBLIC PkgConfig::OPENSSL PkgConfig::CBOR
		PkgConfig::JANSSON PkgConfig::SODIUM)
endif()

foreach(name IN LISTS MFA_FUZZ_HARNESSES)
	add_executable(replay_${name} replay.c fuzz_${name}.c)
	target_link_libraries(replay_${name} PRIVATE mfa)
	add_test(NAME replay_${name}
		COMMAND replay_${name} ${CMAKE_CURRENT_SOURCE_DIR}/corpus/${name})

	if(MFA_FUZZ_BUILD)
		add_executable(fuzz_${name} fuzz_${name}.c)
		target_compile_options(fuzz_${name} PRIVATE
			-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all)
		target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
		target_link_libraries(fuzz_${name} PRIVATE mfa_fuzz)
	endif()
endforeach()
