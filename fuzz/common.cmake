mh_add_fuzz(fuzz_hex SOURCES fuzz_hex.c LIBS mh_base)
