mh_add_bench(bench_dlt698 SOURCES bench_dlt698.c LIBS mh_proto_dlt698)
