mh_add_fuzz(fuzz_api_request SOURCES fuzz_api_request.c LIBS mh_api)
target_include_directories(fuzz_api_request PRIVATE ${MH_SOURCE_DIR}/src/api)
