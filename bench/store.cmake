mh_add_bench(bench_store SOURCES bench_store.c LIBS mh_store)
