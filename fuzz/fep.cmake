mh_add_fuzz(fuzz_fep_frame SOURCES fuzz_fep_frame.c LIBS mh_fep)
target_include_directories(fuzz_fep_frame PRIVATE ${MH_SOURCE_DIR}/src/fep)
mh_add_fuzz(fuzz_fep_session SOURCES fuzz_fep_session.c LIBS mh_fep)
target_include_directories(fuzz_fep_session PRIVATE ${MH_SOURCE_DIR}/src/fep)
