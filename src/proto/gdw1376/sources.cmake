set(MH_PROTO_GDW1376_SOURCES frame.c fmt.c fn.c)
