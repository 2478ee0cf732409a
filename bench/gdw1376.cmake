mh_add_bench(bench_gdw1376 SOURCES bench_gdw1376.c gdw1376_mix.c LIBS mh_proto_gdw1376)
