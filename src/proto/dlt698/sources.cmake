set(MH_PROTO_DLT698_SOURCES frame.c data.c data_dec.c data_enc.c apdu.c oi.c oi_table.c readings.c)
