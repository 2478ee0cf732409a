mh_add_fuzz(fuzz_control_judge SOURCES fuzz_control_judge.c LIBS mh_control)
if(TARGET fuzz_control_judge)
    target_include_directories(fuzz_control_judge PRIVATE ${MH_SOURCE_DIR}/src/control)
endif()
