mh_add_fuzz(fuzz_decode SOURCES fuzz_decode.c LIBS mh_cli_decode)
