set(MH_PROTO_GDW1376_SOURCES frame.c fmt.c fn.c)
list(APPEND MH_PROTO_GDW1376_SOURCES fn_table.c)
