set(MH_PROTO_DLT698_SOURCES frame.c data.c apdu.c oi.c)
