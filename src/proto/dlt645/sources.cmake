set(MH_PROTO_DLT645_SOURCES frame.c dict.c values.c load.c commands.c)
