set(MH_PROTO_DLT698_SOURCES frame.c data.c apdu.c oi.c)
list(APPEND MH_PROTO_DLT698_SOURCES data_dec.c data_enc.c oi_table.c readings.c)
