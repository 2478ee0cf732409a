mh_add_fuzz(fuzz_dlt698_frame SOURCES fuzz_dlt698_frame.c LIBS mh_proto_dlt698)
mh_add_fuzz(fuzz_dlt698_data SOURCES fuzz_dlt698_data.c LIBS mh_proto_dlt698)
mh_add_fuzz(fuzz_dlt698_apdu SOURCES fuzz_dlt698_apdu.c LIBS mh_proto_dlt698)
mh_add_fuzz(fuzz_dlt698_map SOURCES fuzz_dlt698_map.c LIBS mh_proto_dlt698)
