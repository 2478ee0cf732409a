# The simulated terminals' request parsers (sim/term) behind each protocol's framer.
# sim_emit_frame comes from the target itself, so sim_net's loop is not linked.
mh_add_fuzz(fuzz_sim_term SOURCES fuzz_sim_term.c LIBS mh_sim_term)
