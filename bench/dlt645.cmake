mh_add_bench(bench_dlt645 SOURCES bench_dlt645.c LIBS mh_proto_dlt645)
