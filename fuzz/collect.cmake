mh_add_fuzz(fuzz_collect_gdw1376_day SOURCES fuzz_collect_gdw1376_day.c LIBS mh_collect)
target_include_directories(fuzz_collect_gdw1376_day PRIVATE ${MH_SOURCE_DIR}/src/collect)
mh_add_fuzz(fuzz_collect_dlt698_day SOURCES fuzz_collect_dlt698_day.c LIBS mh_collect)
target_include_directories(fuzz_collect_dlt698_day PRIVATE ${MH_SOURCE_DIR}/src/collect)
