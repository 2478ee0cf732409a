mh_add_bench(bench_dlt698 SOURCES bench_dlt698.c dlt698_mix.c LIBS mh_proto_dlt698)
