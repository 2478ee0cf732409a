mh_add_bench(bench_store SOURCES bench_store.c store_round.c LIBS mh_store)
# The PostgreSQL backend against a bare COPY (needs a server: --uri or MH_TEST_PG_URI).
mh_add_bench(bench_store_pg SOURCES bench_store_pg.c store_round.c LIBS mh_store)
target_include_directories(bench_store_pg PRIVATE ${MH_SOURCE_DIR}/src/store
    ${MH_SOURCE_DIR}/src/store/postgres)
# Query latency with 1,000,000 meters stored, either backend (bench_store_query.c).
mh_add_bench(bench_store_query SOURCES bench_store_query.c store_round.c LIBS mh_store)
# A write someone waits on beside another process's ingest into the same SQLite file.
mh_add_bench(bench_store_turns SOURCES bench_store_turns.c store_round.c LIBS mh_store)
