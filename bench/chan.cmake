mh_add_bench(bench_fep SOURCES bench_fep.c LIBS mh_fep Threads::Threads)
