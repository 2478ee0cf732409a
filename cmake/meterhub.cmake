# Shared build rules: warnings, and one helper each for tests, fuzz targets
# and benchmarks, so every directory's CMakeLists.txt stays a list of names.

set(MH_WARNINGS
    -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wold-style-definition -Wwrite-strings -Wpointer-arith -Wvla -Wformat=2
    -Wno-format-nonliteral -fno-common)
if(MH_WERROR)
    list(APPEND MH_WARNINGS -Werror)
endif()
add_compile_options(${MH_WARNINGS})
# POSIX.1-2008 (clock_gettime, gmtime_r) and the BSD/GNU bits glibc hides under -std=c17.
add_compile_definitions(_POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)

set(MH_SOURCE_DIR ${CMAKE_SOURCE_DIR})
set(MH_VECTORS_DIR ${CMAKE_SOURCE_DIR}/tests/vectors)

# Fuzz builds instrument every library for coverage; targets add the libFuzzer main.
if(MH_FUZZ)
    add_compile_options(-fsanitize=fuzzer-no-link,address,undefined)
    add_link_options(-fsanitize=address,undefined)
endif()

# mh_add_test(NAME SOURCES src... [LIBS lib...] [LABELS l...] [TIMEOUT s])
# One cmocka binary per module; CTest runs it with the vectors directory in the environment.
function(mh_add_test name)
    cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 60)
    endif()
    if(NOT T_LABELS)
        set(T_LABELS unit)
    endif()
    add_executable(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE ${T_LIBS} mh_testhelpers PkgConfig::CMOCKA)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES
        LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
        ENVIRONMENT "MH_VECTORS_DIR=${MH_VECTORS_DIR};MH_BINARY_DIR=${CMAKE_BINARY_DIR}")
endfunction()

# mh_add_fuzz(NAME SOURCES src... [LIBS lib...])
# With MH_FUZZ: a libFuzzer binary. Otherwise the same entry point linked to
# fuzz/replay_main.c and run by CTest over fuzz/corpus/NAME, so every input
# that ever crashed stays a regression test.
function(mh_add_fuzz name)
    cmake_parse_arguments(F "" "" "SOURCES;LIBS" ${ARGN})
    if(MH_FUZZ)
        add_executable(${name} ${F_SOURCES})
        target_link_libraries(${name} PRIVATE ${F_LIBS})
        target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    else()
        add_executable(${name} ${F_SOURCES} ${MH_SOURCE_DIR}/fuzz/replay_main.c)
        target_link_libraries(${name} PRIVATE ${F_LIBS})
        add_test(NAME replay_${name} COMMAND ${name} ${MH_SOURCE_DIR}/fuzz/corpus/${name})
        set_tests_properties(replay_${name} PROPERTIES LABELS fuzz-replay TIMEOUT 120)
    endif()
    set_property(GLOBAL APPEND PROPERTY MH_FUZZ_TARGETS ${name})
endfunction()

# mh_add_bench(NAME SOURCES src... [LIBS lib...]): built by default, never run by CTest.
function(mh_add_bench name)
    cmake_parse_arguments(B "" "" "SOURCES;LIBS" ${ARGN})
    if(MH_FUZZ)
        return()
    endif()
    add_executable(${name} ${B_SOURCES})
    target_include_directories(${name} PRIVATE ${MH_SOURCE_DIR}/bench)
    target_link_libraries(${name} PRIVATE ${B_LIBS} mh_benchutil)
endfunction()
